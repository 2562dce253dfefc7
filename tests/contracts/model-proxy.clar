;; model-proxy: an intermediary contract that forwards calls to `bitstream`, as a
;; malicious dapp a participant is lured into calling would (PROTOCOL 6, I5). The
;; contract sees the proxy as its direct caller, so a participant's call through it must
;; act as the proxy, never as the participant. Deployed by the model test
;; (model.test.ts) on its own simnet; never part of the project's deployments.
(use-trait sip-010 .sip-010-trait.sip-010-trait)

(define-public (fund-channel
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (actor principal) (amount uint) (valid-until uint) (data (buff 32))
    (sig-a (buff 65)) (sig-b (buff 65)) (token (optional <sip-010>)) (signer (optional (buff 33))))
  (contract-call? .bitstream fund-channel id nonce balance-a balance-b htlcs actor amount valid-until data sig-a sig-b token signer))

(define-public (update-balance
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (data (buff 32)) (sig-a (buff 65)) (sig-b (buff 65)))
  (contract-call? .bitstream update-balance id nonce balance-a balance-b htlcs data sig-a sig-b))

(define-public (withdraw
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (actor principal) (amount uint) (valid-until uint) (data (buff 32))
    (sig-a (buff 65)) (sig-b (buff 65)) (token (optional <sip-010>)))
  (contract-call? .bitstream withdraw id nonce balance-a balance-b htlcs actor amount valid-until data sig-a sig-b token))

(define-public (add-signer (id (buff 32)) (key (buff 33)))
  (contract-call? .bitstream add-signer id key))

(define-public (close-channel
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (valid-until uint) (data (buff 32)) (sig-a (buff 65)) (sig-b (buff 65)) (token (optional <sip-010>)))
  (contract-call? .bitstream close-channel id nonce balance-a balance-b htlcs valid-until data sig-a sig-b token))

(define-public (initiate-dispute
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (action uint) (valid-until uint) (data (buff 32)) (sig-a (buff 65)) (sig-b (buff 65)))
  (contract-call? .bitstream initiate-dispute id nonce balance-a balance-b htlcs action valid-until data sig-a sig-b))

(define-public (emergency-close (id (buff 32)))
  (contract-call? .bitstream emergency-close id))

(define-public (challenge
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (action uint) (valid-until uint) (data (buff 32)) (sig-a (buff 65)) (sig-b (buff 65)))
  (contract-call? .bitstream challenge id nonce balance-a balance-b htlcs action valid-until data sig-a sig-b))

(define-public (resolve (id (buff 32)) (token (optional <sip-010>)))
  (contract-call? .bitstream resolve id token))

(define-public (claim (id (buff 32)) (owner principal) (token (optional <sip-010>)))
  (contract-call? .bitstream claim id owner token))
