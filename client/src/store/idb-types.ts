// The part of the IndexedDB API the browser store uses, typed here rather than through
// TypeScript's DOM library: that library would retype fetch and streams for the whole
// project, which is Node code. A browser's indexedDB (and fake-indexeddb in the tests)
// is structurally this.
export interface IdbRequest<T = unknown> {
  readonly result: T;
  readonly error: unknown;
  onsuccess: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface IdbOpenRequest extends IdbRequest<IdbDatabase> {
  onupgradeneeded: ((ev: unknown) => void) | null;
}

export interface IdbObjectStore {
  put(value: unknown, key: string): IdbRequest;
  get(key: string): IdbRequest;
  getAll(): IdbRequest<unknown[]>;
  getAllKeys(): IdbRequest<unknown[]>;
}

export interface IdbTransaction {
  readonly error: unknown;
  objectStore(name: string): IdbObjectStore;
  oncomplete: ((ev: unknown) => void) | null;
  onabort: ((ev: unknown) => void) | null;
  onerror: ((ev: unknown) => void) | null;
}

export interface IdbDatabase {
  readonly objectStoreNames: { contains(name: string): boolean };
  createObjectStore(name: string): IdbObjectStore;
  transaction(stores: string[], mode: 'readonly' | 'readwrite', options?: { durability: 'strict' | 'relaxed' | 'default' }): IdbTransaction;
  close(): void;
}

export interface IdbFactory {
  open(name: string, version: number): IdbOpenRequest;
}
