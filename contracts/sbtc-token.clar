;; A stand-in for sBTC on simnet and devnet: same asset name (sbtc-token) and 8 decimals.
;; On testnet and mainnet BitStream uses the real sBTC token instead
;; (SM3VDXK3WZZSA84XXFKAFAF15NNZX32CTSG82JFQ4.sbtc-token on mainnet, see README); this file is never deployed there.
;; Anyone may mint through `faucet`: it exists only so tests and the demo can fund accounts.
(impl-trait .sip-010-trait.sip-010-trait)

(define-fungible-token sbtc-token)

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
    (try! (ft-transfer? sbtc-token amount sender recipient))
    (match memo m (print m) 0x)
    (ok true)))

;; Mint `amount` to `recipient`: test and demo funding only.
(define-public (faucet (amount uint) (recipient principal))
  (begin
    ;; a zero mint is a caller mistake
    (asserts! (> amount u0) ERR-ZERO-AMOUNT)
    (ft-mint? sbtc-token amount recipient)))

(define-read-only (get-name) (ok "sBTC (BitStream stand-in)"))
(define-read-only (get-symbol) (ok "sBTC"))
(define-read-only (get-decimals) (ok u8))
(define-read-only (get-balance (who principal)) (ok (ft-get-balance sbtc-token who)))
(define-read-only (get-total-supply) (ok (ft-get-supply sbtc-token)))
(define-read-only (get-token-uri) (ok none))
