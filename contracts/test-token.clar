;; A plain SIP-010 token for simnet and devnet tests.
;; Anyone may mint through `faucet`: it exists only so tests and the demo can fund accounts.
(impl-trait .sip-010-trait.sip-010-trait)

(define-fungible-token test-token)

;; error codes (u9xx: test tokens only)
;; the caller is not the sender of the transfer
(define-constant ERR-NOT-SENDER (err u900))
;; minting zero tokens
(define-constant ERR-ZERO-AMOUNT (err u901))

;; Move `amount` from `sender` to `recipient`; only the sender (tx-sender or contract-caller) may call.
(define-public (transfer (amount uint) (sender principal) (recipient principal) (memo (optional (buff 34))))
  (begin
    ;; only the owner moves its tokens
    (asserts! (or (is-eq tx-sender sender) (is-eq contract-caller sender)) ERR-NOT-SENDER)
    (try! (ft-transfer? test-token amount sender recipient))
    (match memo m (print m) 0x)
    (ok true)))

;; Mint `amount` to `recipient`: test and demo funding only.
(define-public (faucet (amount uint) (recipient principal))
  (begin
    ;; a zero mint is a caller mistake
    (asserts! (> amount u0) ERR-ZERO-AMOUNT)
    (ft-mint? test-token amount recipient)))

(define-read-only (get-name) (ok "Test Token"))
(define-read-only (get-symbol) (ok "TEST"))
(define-read-only (get-decimals) (ok u6))
(define-read-only (get-balance (who principal)) (ok (ft-get-balance test-token who)))
(define-read-only (get-total-supply) (ok (ft-get-supply test-token)))
(define-read-only (get-token-uri) (ok none))
