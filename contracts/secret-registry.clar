;; secret-registry: the HTLC secret registry shared by every BitStream channel (contracts/PROTOCOL.md 5).
;; It records, for each hash, the tenure height at which its secret was first revealed:
;; HTLC expiries count Stacks tenures, so a Stacks stall (Bitcoin blocks with no tenure
;; to reveal in) cannot turn a timely reveal into a refund (PROTOCOL 5).
;; One reveal settles every channel holding that hash, which is what makes multi-hop
;; payments and cross-asset swaps atomic. It holds no funds and has no owner.

;; error codes (u5xx: HTLC and secrets; the registry owns u550-u559)
;; the secret of this hash was already revealed: the first reveal height stands
(define-constant ERR-ALREADY-REVEALED (err u550))

;; hash -> tenure-height of the first reveal
(define-map reveals (buff 32) uint)

;; Record `secret`'s hash with the current tenure height. Anyone may call.
(define-public (reveal-secret (secret (buff 32)))
  (let ((hash (sha256 secret)))
    ;; the first reveal height is final: a later reveal cannot move it past an expiry
    (asserts! (map-insert reveals hash tenure-height) ERR-ALREADY-REVEALED)
    (print {event: "reveal-secret", hash: hash, secret: secret, height: tenure-height, burn-height: burn-block-height})
    (ok hash)))

;; The tenure height at which `hash`'s secret was first revealed, if ever.
(define-read-only (get-reveal-height (hash (buff 32)))
  (map-get? reveals hash))
