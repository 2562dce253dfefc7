// A principal written as Clarity source, for simnet.execute. The literal is `'ST….name`,
// but Clarity's lexer reads a contract name such as `u0` or `u12x` as a uint and refuses
// the literal ("expected contract identifier"). Those are built with principal-construct?,
// whose err branch still carries the principal when its version byte is another network's.
import { createAddress } from '@stacks/transactions';

export function principalSource(principal: string): string {
  const [address, name] = principal.split('.') as [string, string | undefined];
  if (name === undefined || !/^u[0-9]/.test(name)) return `'${principal}`;
  const a = createAddress(address);
  const built = `(principal-construct? 0x${a.version.toString(16).padStart(2, '0')} 0x${a.hash160} "${name}")`;
  return `(match ${built} ok-p ok-p err-p (unwrap-panic (get value err-p)))`;
}
