;; model-refusing-token: a SIP-010 test token that refuses transfers to blocked
;; recipients by returning an error, as a token with a blocklist may (PROTOCOL 6.5). The
;; model test (model.test.ts) deploys it on its own simnet to drive `unpaid` and `claim`;
;; it is never part of the project's deployments. Anyone may block, unblock and mint.
(impl-trait .sip-010-trait.sip-010-trait)

(define-fungible-token model-refusing-token)

;; error codes (u9xx: test tokens only)
;; the caller is not the sender of the transfer
(define-constant ERR-NOT-SENDER (err u900))
;; minting zero tokens
(define-constant ERR-ZERO-AMOUNT (err u901))
;; the recipient is blocked
(define-constant ERR-RECIPIENT-BLOCKED (err u903))

(define-map blocked principal bool)

;; Move `amount` from `sender` to `recipient` unless the recipient is blocked; only the
;; sender (tx-sender or contract-caller) may call.
(define-public (transfer (amount uint) (sender principal) (recipient principal) (memo (optional (buff 34))))
  (begin
    ;; only the owner moves its tokens
    (asserts! (or (is-eq tx-sender sender) (is-eq contract-caller sender)) ERR-NOT-SENDER)
    ;; a blocked recipient receives nothing
    (asserts! (not (default-to false (map-get? blocked recipient))) ERR-RECIPIENT-BLOCKED)
    (try! (ft-transfer? model-refusing-token amount sender recipient))
    (ok true)))

;; Block or unblock `who` as a recipient. Anyone may call (test only).
(define-public (set-blocked (who principal) (flag bool))
  (ok (map-set blocked who flag)))

;; Mint `amount` to `recipient`: test funding only.
(define-public (faucet (amount uint) (recipient principal))
  (begin
    ;; a zero mint is a caller mistake
    (asserts! (> amount u0) ERR-ZERO-AMOUNT)
    (ft-mint? model-refusing-token amount recipient)))

(define-read-only (get-name) (ok "Refusing Token"))
(define-read-only (get-symbol) (ok "RFSE"))
(define-read-only (get-decimals) (ok u6))
(define-read-only (get-balance (who principal)) (ok (ft-get-balance model-refusing-token who)))
(define-read-only (get-total-supply) (ok (ft-get-supply model-refusing-token)))
(define-read-only (get-token-uri) (ok none))
