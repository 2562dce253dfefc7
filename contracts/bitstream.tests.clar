;; bitstream.tests.clar: @stacks/rendezvous invariants and property tests for bitstream.clar.
;;
;; rendezvous (`rv . bitstream invariant|test`, or tests/rendezvous/run.ts) appends this
;; file, and its own `context` map of call counts, to bitstream.clar and deploys the
;; result as `bitstream`; `bitstream-2` stays the plain contract. This file could reach
;; the contract's private data, but reads it only through its read-only API
;; (get-channel, get-escrowed, is-htlc-settled, verify-payment, ...) and the
;; `channel-count` variable, so a refactor of the contract's storage does not break it.
;;
;; Owns: the ghost state (rv-*), the `invariant-*` read-only functions rendezvous checks
;; after random call sequences (PROTOCOL section 7), the `test-*` property tests, and the
;; test-only error range u99x. It must not move funds or change a channel except through
;; the contract's own public functions, and it is never deployed outside rendezvous.
;;
;; Signed states cannot come from random bytes: the runner in tests/rendezvous/ rewrites
;; the random arguments of the state-taking functions into co-signed states and calls
;; `rv-track` after each successful call, so the invariants see every channel.

;; ---------------------------------------------------------------------------------
;; Constants and test-only error codes (u99x)
;; ---------------------------------------------------------------------------------

;; Channel statuses as get-channel reports them.
(define-constant RV-OPEN u0)
(define-constant RV-CLOSED u2)
;; The dispute window bounds the contract accepts.
(define-constant RV-MIN-WINDOW u6)
(define-constant RV-MAX-WINDOW u4320)
;; A 65-byte signature by no one: R = S = 0, recovery id 0 (low S, valid recovery id).
(define-constant RV-NO-SIGNATURE 0x0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000)

;; rv-track was given an id no channel has
(define-constant ERR-RV-UNKNOWN (err u990))
;; the ghost list is full
(define-constant ERR-RV-FULL (err u991))
;; a property test's assertion failed (the code names which)
(define-constant ERR-RV-CREATE-RESULT (err u992))
(define-constant ERR-RV-CREATE-ESCROW (err u993))
(define-constant ERR-RV-CREATE-RECORD (err u994))
(define-constant ERR-RV-SUM-RULE (err u995))
(define-constant ERR-RV-GARBAGE-ACCEPTED (err u996))
(define-constant ERR-RV-FLOOR-MOVED (err u997))

;; The HTLC secrets the runner's states lock to (sha256 of each is the HTLC hash):
;; 32 bytes of 0x01, 0x02, 0x03, 0x04, as helpers.ts `secretPair(1..4)`.
(define-constant RV-SECRETS (list
  0x0101010101010101010101010101010101010101010101010101010101010101
  0x0202020202020202020202020202020202020202020202020202020202020202
  0x0303030303030303030303030303030303030303030303030303030303030303
  0x0404040404040404040404040404040404040404040404040404040404040404))

;; ---------------------------------------------------------------------------------
;; Ghost state
;; ---------------------------------------------------------------------------------

;; Every channel id the runner has seen, in creation order: at most 150 (as-max-len?
;; needs the literal), and the runner stops opening channels at 140.
(define-data-var rv-tracked (list 150 (buff 32)) (list))

;; The highest nonce and status seen for a channel, and whether it was ever marked as
;; cheated: what the contract must never take back (I2, section 6.3).
(define-map rv-seen (buff 32) { nonce: uint, status: uint, cheated: bool })

;; What the contract held of each SIP-010 token when last observed.
(define-map rv-held principal uint)

;; ---------------------------------------------------------------------------------
;; Ghost-state public functions. rendezvous also calls them with random arguments: an
;; unknown id is refused, and none of them touches the contract's own data.
;; ---------------------------------------------------------------------------------

;; Record channel `id`'s current nonce, status and cheater mark as seen, keeping the
;; highest values seen so far. The runner calls it after every successful call that
;; touches the channel. Anyone may call.
(define-public (rv-track (id (buff 32)))
  (let (
      (ch (unwrap! (get-channel id) ERR-RV-UNKNOWN))
      (seen (map-get? rv-seen id))
      (prev (default-to { nonce: u0, status: u0, cheated: false } seen)))
    (match seen s true
      (var-set rv-tracked (unwrap! (as-max-len? (append (var-get rv-tracked) id) u150) ERR-RV-FULL)))
    (map-set rv-seen id {
      nonce: (rv-max (get nonce prev) (get nonce ch)),
      status: (rv-max (get status prev) (get status ch)),
      cheated: (or (get cheated prev) (is-some (get cheater ch))) })
    (ok true)))

;; Record what the contract holds of `token` now, read from the token itself (a
;; read-only invariant cannot call a trait). The runner calls it for every project
;; token after each successful call. Anyone may call.
(define-public (rv-observe-holdings (token <sip-010>))
  (begin
    (map-set rv-held (contract-of token) (try! (contract-call? token get-balance current-contract)))
    (ok true)))

;; Reveal secret `i mod 4` of RV-SECRETS in the shared registry, so that rendezvous
;; chooses when HTLC secrets appear (before or after their expiry). Anyone may call.
(define-public (rv-reveal-secret (i uint))
  (contract-call? .secret-registry reveal-secret
    (unwrap-panic (element-at? RV-SECRETS (mod i (len RV-SECRETS))))))

;; ---------------------------------------------------------------------------------
;; Invariants (read-only, checked by rendezvous after each random call sequence)
;; ---------------------------------------------------------------------------------

;; I1: the contract holds exactly the STX it accounts as escrowed.
(define-read-only (invariant-stx-escrow-is-held)
  (is-eq (stx-get-balance current-contract) (get-escrowed none)))

;; I1: the contract holds exactly the `token` it accounts as escrowed (rendezvous passes
;; each project SIP-010 token: test-token, sbtc-token), as last observed.
(define-read-only (invariant-token-escrow-is-held (token <sip-010>))
  (match (map-get? rv-held (contract-of token)) held
    (is-eq held (get-escrowed (some (contract-of token))))
    true))

;; I1: what is escrowed per token is the sum of its channels' totals (STX and `token`).
;; Checked while the ghost list holds every channel (always, under the runner).
(define-read-only (invariant-escrow-is-sum-of-channel-totals (token <sip-010>))
  (or (not (rv-all-tracked))
      (and (is-eq (rv-token-total none) (get-escrowed none))
           (is-eq (rv-token-total (some (contract-of token))) (get-escrowed (some (contract-of token)))))))

;; I1: an open or closing channel's balances plus HTLCs are its total; a closed channel
;; still holds exactly its HTLCs not yet settled.
(define-read-only (invariant-channels-add-up)
  (fold rv-channel-adds-up (var-get rv-tracked) true))

;; I2 and 6.3: no channel's nonce (floor, then closing nonce) or status ever goes back,
;; and a cheater mark once set is never cleared.
(define-read-only (invariant-nothing-goes-back)
  (fold rv-channel-never-went-back (var-get rv-tracked) true))

;; 6.3: only the participant who closed can be marked as the cheater.
(define-read-only (invariant-cheater-is-the-closer)
  (fold rv-cheater-is-closer (var-get rv-tracked) true))

;; One channel per successful create-channel: the contract's counter equals
;; rendezvous's count of successful create-channel calls (its `context` map).
(define-read-only (invariant-channel-count-is-create-calls)
  (is-eq (var-get channel-count) (rv-calls "create-channel")))

;; Nothing is escrowed, and nothing tracked, before a channel exists.
(define-read-only (invariant-no-channel-no-escrow)
  (or (> (rv-calls "create-channel") u0)
      (and (is-eq (get-escrowed none) u0) (is-eq (len (var-get rv-tracked)) u0))))

;; ---------------------------------------------------------------------------------
;; Property tests (public `test-*`, called by rendezvous with random arguments;
;; (ok true) passes, (ok false) discards, anything else, a runtime error included, fails)
;; ---------------------------------------------------------------------------------

;; create-channel in STX either fails with the error its inputs call for and moves
;; nothing, or escrows exactly `amount` into a fresh channel with the predicted id, whose
;; implicit state is all to the creator at nonce 0.
(define-public (test-create-channel-escrows-exactly (participant-b principal) (amount uint) (window uint))
  (let (
      (seq (var-get channel-count))
      (expected-id (get-channel-id tx-sender participant-b none seq))
      (escrow-before (get-escrowed none))
      (held-before (stx-get-balance current-contract)))
    (match (create-channel participant-b none amount window none) id
      (let ((ch (unwrap! (get-channel id) ERR-RV-CREATE-RECORD)))
        (asserts! (is-eq id expected-id) ERR-RV-CREATE-RESULT)
        (asserts! (is-eq (var-get channel-count) (+ seq u1)) ERR-RV-CREATE-RESULT)
        (asserts! (is-eq (get-escrowed none) (+ escrow-before amount)) ERR-RV-CREATE-ESCROW)
        (asserts! (is-eq (stx-get-balance current-contract) (+ held-before amount)) ERR-RV-CREATE-ESCROW)
        (asserts! (and (is-eq (get total ch) amount) (is-eq (get balance-a ch) amount)
                       (is-eq (get balance-b ch) u0) (is-eq (get nonce ch) u0)
                       (is-eq (get status ch) RV-OPEN) (is-eq (get participant-b ch) participant-b))
                  ERR-RV-CREATE-RECORD)
        (ok true))
      code
      (begin
        ;; the refusal names the first rule the inputs break
        (asserts! (is-eq (some code) (rv-create-refusal participant-b amount window)) ERR-RV-CREATE-RESULT)
        (asserts! (is-eq (get-escrowed none) escrow-before) ERR-RV-CREATE-ESCROW)
        (asserts! (is-eq (var-get channel-count) seq) ERR-RV-CREATE-RESULT)
        (ok true)))))

;; The sum rule (PROTOCOL section 3, rule 2) is exact and overflow-safe: on a channel of
;; total a + b + HTLCs (+ 1 + `off` unless `exact`), verify-payment refuses the state for
;; its sum (u401) exactly when the total is off or balance-a is pushed near 2^128 (where
;; a naive sum would overflow), and otherwise gets past the sum to the signatures (u300,
;; signed by no one).
(define-public (test-sum-rule-is-exact
    (participant-b principal) (balance-a uint) (balance-b uint) (htlc-amounts (list 8 uint))
    (exact bool) (off uint) (near-max bool))
  (let (
      (htlcs (map rv-htlc htlc-amounts))
      (total (+ balance-a balance-b (fold + htlc-amounts u0) (if exact u0 (+ off u1))))
      (claimed-a (if near-max (- u340282366920938463463374607431768211455 balance-a) balance-a)))
    (match (create-channel participant-b none total RV-MIN-WINDOW none) id
      (let ((verdict (verify-payment
              { channel-id: id, nonce: u0, balance-a: claimed-a, balance-b: balance-b,
                htlcs: htlcs, action: u0, actor: none, amount: u0 }
              RV-NO-SIGNATURE RV-NO-SIGNATURE)))
        (asserts! (is-eq verdict (if (and exact (not near-max)) (err u300) (err u401))) ERR-RV-SUM-RULE)
        (ok true))
      ;; no channel to test: a self-channel or a zero total
      code (ok false))))

;; A state with signatures no participant made (random bytes of any length up to 65)
;; never moves a channel: update-balance refuses it with an error, and the floor stays 0.
(define-public (test-unsigned-state-is-refused
    (participant-b principal) (amount uint) (nonce uint) (balance-a uint)
    (sig-a (buff 65)) (sig-b (buff 65)))
  (let ((total (+ amount u1)) (a (if (> balance-a total) total balance-a)))
    (match (create-channel participant-b none total RV-MIN-WINDOW none) id
      (begin
        (asserts! (is-err (update-balance
                    { channel-id: id, nonce: nonce, balance-a: a, balance-b: (- total a),
                      htlcs: (list), action: u0, actor: none, amount: u0 }
                    sig-a sig-b))
                  ERR-RV-GARBAGE-ACCEPTED)
        (asserts! (is-eq (get nonce (unwrap-panic (get-channel id))) u0) ERR-RV-FLOOR-MOVED)
        (ok true))
      ;; no channel to test (the caller named itself as participant-b)
      code (ok false))))

;; ---------------------------------------------------------------------------------
;; Private helpers (all named rv-*, apart from the contract's own names)
;; ---------------------------------------------------------------------------------

(define-private (rv-max (x uint) (y uint)) (if (> x y) x y))

;; How many times rendezvous saw `name` succeed (0 outside rendezvous).
(define-read-only (rv-calls (name (string-ascii 100)))
  (default-to u0 (get called (map-get? context name))))

;; Does the ghost list hold every channel the contract created?
(define-private (rv-all-tracked)
  (is-eq (len (var-get rv-tracked)) (var-get channel-count)))

(define-private (rv-add-total (id (buff 32)) (acc { token: (optional principal), sum: uint }))
  (match (get-channel id) ch
    (if (is-eq (get token ch) (get token acc)) (merge acc { sum: (+ (get sum acc) (get total ch)) }) acc)
    acc))

;; Sum of the totals of the tracked channels in `token`.
(define-private (rv-token-total (token (optional principal)))
  (get sum (fold rv-add-total (var-get rv-tracked) { token: token, sum: u0 })))

(define-private (rv-add-amount (htlc { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }) (sum uint))
  (+ sum (get amount htlc)))

(define-private (rv-add-unsettled (htlc { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool })
                                  (acc { id: (buff 32), index: uint, sum: uint }))
  { id: (get id acc), index: (+ (get index acc) u1),
    sum: (if (is-htlc-settled (get id acc) (get index acc)) (get sum acc) (+ (get sum acc) (get amount htlc))) })

(define-private (rv-channel-adds-up (id (buff 32)) (ok-so-far bool))
  (and ok-so-far
    (match (get-channel id) ch
      (if (is-eq (get status ch) RV-CLOSED)
        (is-eq (get total ch) (get sum (fold rv-add-unsettled (get htlcs ch) { id: id, index: u0, sum: u0 })))
        (is-eq (get total ch) (+ (get balance-a ch) (get balance-b ch) (fold rv-add-amount (get htlcs ch) u0))))
      false)))

(define-private (rv-channel-never-went-back (id (buff 32)) (ok-so-far bool))
  (and ok-so-far
    (match (get-channel id) ch
      (match (map-get? rv-seen id) seen
        (and (>= (get nonce ch) (get nonce seen))
             (>= (get status ch) (get status seen))
             (or (not (get cheated seen)) (is-some (get cheater ch))))
        false)
      false)))

(define-private (rv-cheater-is-closer (id (buff 32)) (ok-so-far bool))
  (and ok-so-far
    (match (get-channel id) ch
      (match (get cheater ch) c (is-eq (some c) (get closer ch)) true)
      false)))

;; The error create-channel must give for these inputs, in the order it checks them.
(define-private (rv-create-refusal (participant-b principal) (amount uint) (window uint))
  (if (is-eq tx-sender participant-b) (some u102)
    (if (or (< window RV-MIN-WINDOW) (> window RV-MAX-WINDOW)) (some u206)
      (if (is-eq amount u0) (some u400)
        none))))

(define-private (rv-htlc (amount uint))
  { hash: 0x0000000000000000000000000000000000000000000000000000000000000000,
    amount: amount, expiry: u0, offered-by-a: true })
