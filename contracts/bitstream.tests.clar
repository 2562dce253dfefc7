;; bitstream.tests.clar: @stacks/rendezvous invariants and property tests for bitstream.clar
;; (protocol version 2).
;;
;; rendezvous (`rv . bitstream invariant|test`, or tests/rendezvous/run.ts) appends this
;; file, and its own `context` map of call counts, to bitstream.clar and deploys the
;; result as `bitstream`; `bitstream-2` stays the plain contract. This file could reach
;; the contract's private data, but reads it only through its read-only API
;; (get-channel, get-unpaid, is-htlc-settled, verify-payment, ...) and the
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

;; Channel statuses, closer and cheater values as get-channel reports them.
(define-constant RV-OPEN u0)
(define-constant RV-CLOSING u1)
(define-constant RV-CLOSED u2)
(define-constant RV-NOBODY u0)
;; The dispute window bounds the contract accepts.
(define-constant RV-MIN-WINDOW u6)
(define-constant RV-MAX-WINDOW u4320)
(define-constant RV-MAX-UINT u340282366920938463463374607431768211455)
;; What the property tests escrow in the channels they open.
(define-constant RV-TOTAL u1000)
;; A 65-byte signature by no one: R = S = 0, recovery id 0 (low S, valid recovery id).
(define-constant RV-NO-SIGNATURE 0x0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000)
;; A state's application data that binds nothing.
(define-constant RV-NO-DATA 0x0000000000000000000000000000000000000000000000000000000000000000)
;; The HTLC indices a state can hold (its list has at most 8).
(define-constant RV-INDICES (list u0 u1 u2 u3 u4 u5 u6 u7))

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
(define-constant ERR-RV-SOMETHING-MOVED (err u997))
(define-constant ERR-RV-EXPIRY-RULE (err u998))
(define-constant ERR-RV-WRONG-REFUSAL (err u999))

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

;; The highest nonce and status seen for a channel, and the cheater mark once set (0:
;; none yet): what the contract must never take back (I2, section 6.3).
(define-map rv-seen (buff 32) { nonce: uint, status: uint, cheater: uint })

;; What the contract held of each SIP-010 token when last observed.
(define-map rv-held principal uint)

;; ---------------------------------------------------------------------------------
;; Ghost-state public functions. rendezvous also calls them with random arguments: an
;; unknown id is refused, and none of them touches the contract's own data.
;; ---------------------------------------------------------------------------------

;; Record channel `id`'s current nonce, status and cheater mark as seen, keeping the
;; highest nonce and status seen so far and the first cheater mark. The runner calls it
;; after every successful call that touches the channel. Anyone may call.
(define-public (rv-track (id (buff 32)))
  (let (
      (ch (unwrap! (get-channel id) ERR-RV-UNKNOWN))
      (seen (map-get? rv-seen id))
      (prev (default-to { nonce: u0, status: u0, cheater: RV-NOBODY } seen)))
    (match seen s true
      (var-set rv-tracked (unwrap! (as-max-len? (append (var-get rv-tracked) id) u150) ERR-RV-FULL)))
    (map-set rv-seen id {
      nonce: (rv-max (get nonce prev) (get nonce ch)),
      status: (rv-max (get status prev) (get status ch)),
      cheater: (if (is-eq (get cheater prev) RV-NOBODY) (get cheater ch) (get cheater prev)) })
    (ok true)))

;; Record what the contract holds of `token` now, read from the token itself (a
;; read-only invariant cannot call a trait). The runner calls it for every SIP-010 token
;; after each successful call on a token channel. Anyone may call.
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

;; I1: the contract holds exactly the STX its channels account for: the sum of their
;; totals plus the payouts waiting in `unpaid`. Checked while the ghost list holds every
;; channel (always, under the runner).
(define-read-only (invariant-stx-held-is-totals-plus-unpaid)
  (or (not (rv-all-tracked))
      (is-eq (stx-get-balance current-contract) (rv-owed-in none))))

;; I1: the same for `token` (rendezvous passes each SIP-010 token: test-token,
;; sbtc-token and the runner's refusing token), as last observed.
(define-read-only (invariant-token-held-is-totals-plus-unpaid (token <sip-010>))
  (match (map-get? rv-held (contract-of token)) held
    (or (not (rv-all-tracked)) (is-eq held (rv-owed-in (some (contract-of token)))))
    true))

;; I1: an open or closing channel's balances plus HTLCs are its total; a closed channel
;; still holds exactly its HTLCs not yet settled.
(define-read-only (invariant-channels-add-up)
  (fold rv-channel-adds-up (var-get rv-tracked) true))

;; I2 and 6.3: no channel's nonce (floor, then closing nonce) or status ever goes back,
;; and a cheater mark once set is never cleared or moved.
(define-read-only (invariant-nothing-goes-back)
  (fold rv-channel-never-went-back (var-get rv-tracked) true))

;; 6.3: only the participant who closed can be marked as the cheater.
(define-read-only (invariant-cheater-is-the-closer)
  (fold rv-cheater-is-closer (var-get rv-tracked) true))

;; The record fits its status: an open channel has no closer, cheater or deadline; a
;; closing one a closer and both deadlines, which lie at most one window ahead on both
;; clocks (a window starts at the close); a closed one a closer. Its HTLC count is its
;; list's length.
(define-read-only (invariant-record-fits-status)
  (fold rv-record-fits-status (var-get rv-tracked) true))

;; 6.5: a payout waits in `unpaid` only for a finalised channel (close-channel, resolve
;; and a finalising claim are the only ones that owe).
(define-read-only (invariant-unpaid-only-once-closed)
  (fold rv-unpaid-only-once-closed (var-get rv-tracked) true))

;; 5: an HTLC is paid out only from a finalised channel, and only one of its list.
(define-read-only (invariant-settled-only-once-closed)
  (fold rv-settled-only-once-closed (var-get rv-tracked) true))

;; One channel per successful create-channel: the contract's counter equals
;; rendezvous's count of successful create-channel calls (its `context` map).
(define-read-only (invariant-channel-count-is-create-calls)
  (is-eq (var-get channel-count) (rv-calls "create-channel")))

;; Nothing is held, and nothing tracked, before a channel exists.
(define-read-only (invariant-no-channel-no-escrow)
  (or (> (rv-calls "create-channel") u0)
      (and (is-eq (stx-get-balance current-contract) u0) (is-eq (len (var-get rv-tracked)) u0))))

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
      (held-before (stx-get-balance current-contract)))
    (match (create-channel participant-b none amount window none) id
      (let ((ch (unwrap! (get-channel id) ERR-RV-CREATE-RECORD)))
        (asserts! (is-eq id expected-id) ERR-RV-CREATE-RESULT)
        (asserts! (is-eq (var-get channel-count) (+ seq u1)) ERR-RV-CREATE-RESULT)
        (asserts! (is-eq (stx-get-balance current-contract) (+ held-before amount)) ERR-RV-CREATE-ESCROW)
        (asserts! (and (is-eq (get total ch) amount) (is-eq (get balance-a ch) amount)
                       (is-eq (get balance-b ch) u0) (is-eq (get nonce ch) u0)
                       (is-eq (get status ch) RV-OPEN) (is-eq (get participant-b ch) participant-b)
                       (is-eq (get closer ch) RV-NOBODY) (is-eq (get cheater ch) RV-NOBODY))
                  ERR-RV-CREATE-RECORD)
        (ok true))
      code
      (begin
        ;; the refusal names the first rule the inputs break
        (asserts! (is-eq (some code) (rv-create-refusal participant-b amount window)) ERR-RV-CREATE-RESULT)
        (asserts! (is-eq (stx-get-balance current-contract) held-before) ERR-RV-CREATE-ESCROW)
        (asserts! (is-eq (var-get channel-count) seq) ERR-RV-CREATE-RESULT)
        (ok true)))))

;; The sum rule (PROTOCOL section 3, rule 2) is exact and overflow-safe: on a channel of
;; total a + b + HTLCs (+ 1 + `off` unless `exact`), verify-payment refuses a transfer
;; state for its sum (u401) exactly when the total is off or balance-a is pushed near
;; 2^128 (where a naive sum would overflow), and otherwise gets past the sum to the
;; signatures (u300, signed by no one).
(define-public (test-sum-rule-is-exact
    (participant-b principal) (balance-a uint) (balance-b uint) (htlc-amounts (list 8 uint))
    (exact bool) (off uint) (near-max bool))
  (let (
      (htlcs (map rv-htlc htlc-amounts))
      (total (+ balance-a balance-b (fold + htlc-amounts u0) (if exact u0 (+ off u1))))
      (claimed-a (if near-max (- RV-MAX-UINT balance-a) balance-a)))
    (match (create-channel participant-b none total RV-MIN-WINDOW none) id
      (let ((verdict (verify-payment id u0 claimed-a balance-b htlcs u0 none u0 u0 RV-NO-DATA RV-NO-SIGNATURE RV-NO-SIGNATURE)))
        (asserts! (is-eq verdict (if (and exact (not near-max)) (err u300) (err u401))) ERR-RV-SUM-RULE)
        (ok true))
      ;; no channel to test: a self-channel or a zero total
      code (ok false))))

;; A state with signatures no participant made (random bytes of any length up to 65)
;; never moves a channel: update-balance refuses it with an error, and the floor stays 0.
(define-public (test-unsigned-state-is-refused
    (participant-b principal) (amount uint) (nonce uint) (balance-a uint) (data (buff 32))
    (sig-a (buff 65)) (sig-b (buff 65)))
  (let ((total (+ amount u1)) (a (if (> balance-a total) total balance-a)))
    (match (create-channel participant-b none total RV-MIN-WINDOW none) id
      (begin
        (asserts! (is-err (update-balance id nonce a (- total a) (list) data sig-a sig-b)) ERR-RV-GARBAGE-ACCEPTED)
        (asserts! (is-eq (get nonce (unwrap-panic (get-channel id))) u0) ERR-RV-SOMETHING-MOVED)
        (ok true))
      ;; no channel to test (the caller named itself as participant-b)
      code (ok false))))

;; 4.3: a close, deposit or withdraw state lands only by its valid-until burn height.
;; With every other rule met, close-channel, fund-channel or withdraw (`which` mod 3)
;; refuses it as expired (u308) exactly when valid-until is below the current burn
;; height (`late` blocks below; `ahead` blocks at or above it otherwise), and else gets
;; to the signatures (u300); verify-payment gives the same answer, and nothing moves.
(define-public (test-chain-states-expire
    (participant-b principal) (which uint) (amount uint) (expired bool) (late uint) (ahead uint))
  (let ((now burn-block-height))
    (if (is-eq now u0)
      (ok false)
      (match (create-channel participant-b none RV-TOTAL RV-MIN-WINDOW none) id
        (let (
            (kind (mod which u3))
            (x (+ u1 (mod amount RV-TOTAL)))
            (valid-until (if expired (- now (+ u1 (mod late now))) (+ now (mod ahead u1000))))
            (want (if expired (err u308) (err u300)))
            (held (stx-get-balance current-contract))
            (got (if (is-eq kind u0)
              (close-channel id u0 RV-TOTAL u0 (list) valid-until RV-NO-DATA RV-NO-SIGNATURE RV-NO-SIGNATURE none)
              (if (is-eq kind u1)
                (fund-channel id u1 (+ RV-TOTAL x) u0 (list) tx-sender x valid-until RV-NO-DATA RV-NO-SIGNATURE RV-NO-SIGNATURE none none)
                (withdraw id u1 (- RV-TOTAL x) u0 (list) tx-sender x valid-until RV-NO-DATA RV-NO-SIGNATURE RV-NO-SIGNATURE none))))
            (asked (verify-payment id (if (is-eq kind u0) u0 u1)
              (if (is-eq kind u0) RV-TOTAL (if (is-eq kind u1) (+ RV-TOTAL x) (- RV-TOTAL x))) u0 (list)
              (+ kind u1) (if (is-eq kind u0) none (some tx-sender)) (if (is-eq kind u0) u0 x) valid-until RV-NO-DATA
              RV-NO-SIGNATURE RV-NO-SIGNATURE)))
          (asserts! (is-eq got want) ERR-RV-EXPIRY-RULE)
          (asserts! (is-eq (match asked answer (err u0) code (err code)) want) ERR-RV-EXPIRY-RULE)
          (asserts! (is-eq (stx-get-balance current-contract) held) ERR-RV-SOMETHING-MOVED)
          (asserts! (is-eq (get status (unwrap-panic (get-channel id))) RV-OPEN) ERR-RV-SOMETHING-MOVED)
          (ok true))
        code (ok false)))))

;; 4.3 and I5: either participant may land a withdraw, which pays its actor, so the
;; actor must be a participant (u101); then a zero (u400) or larger-than-escrow (u403)
;; amount is refused, and with those met the call gets to the signatures (u300).
;; Nothing moves.
(define-public (test-withdraw-pays-only-a-participant (participant-b principal) (actor principal) (amount uint))
  (match (create-channel participant-b none RV-TOTAL RV-MIN-WINDOW none) id
    (let (
        (held (stx-get-balance current-contract))
        (rest (if (> amount RV-TOTAL) u0 (- RV-TOTAL amount)))
        (got (withdraw id u1 rest u0 (list) actor amount burn-block-height RV-NO-DATA RV-NO-SIGNATURE RV-NO-SIGNATURE none))
        (want (if (not (or (is-eq actor tx-sender) (is-eq actor participant-b))) u101
          (if (is-eq amount u0) u400 (if (> amount RV-TOTAL) u403 u300)))))
      (asserts! (is-eq got (err want)) ERR-RV-WRONG-REFUSAL)
      (asserts! (is-eq (stx-get-balance current-contract) held) ERR-RV-SOMETHING-MOVED)
      (ok true))
    code (ok false)))

;; 6: a deposit's actor is its caller (u101 for anyone else, whatever the state says);
;; then a zero (u400) or overflowing (u404) amount is refused, and with those met the
;; call gets to the signatures (u300). Nothing moves.
(define-public (test-deposit-actor-is-the-caller (participant-b principal) (actor principal) (amount uint))
  (match (create-channel participant-b none RV-TOTAL RV-MIN-WINDOW none) id
    (let (
        (held (stx-get-balance current-contract))
        (fits (<= amount (- RV-MAX-UINT RV-TOTAL)))
        (got (fund-channel id u1 (if fits (+ RV-TOTAL amount) u0) u0 (list) actor amount burn-block-height RV-NO-DATA
          RV-NO-SIGNATURE RV-NO-SIGNATURE none none))
        (want (if (not (is-eq actor tx-sender)) u101 (if (is-eq amount u0) u400 (if fits u300 u404)))))
      (asserts! (is-eq got (err want)) ERR-RV-WRONG-REFUSAL)
      (asserts! (is-eq (stx-get-balance current-contract) held) ERR-RV-SOMETHING-MOVED)
      (ok true))
    code (ok false)))

;; 3.4: a unilateral close takes only transfer and close states (u305 for any other
;; action, checked before the signatures, u300); a challenge needs a closing channel
;; (u202). The channel stays open.
(define-public (test-unilateral-close-takes-transfer-or-close (participant-b principal) (action uint) (nonce uint))
  (match (create-channel participant-b none RV-TOTAL RV-MIN-WINDOW none) id
    (begin
      (asserts! (is-eq (initiate-dispute id nonce RV-TOTAL u0 (list) action u0 RV-NO-DATA RV-NO-SIGNATURE RV-NO-SIGNATURE)
                       (err (if (> action u1) u305 u300)))
                ERR-RV-WRONG-REFUSAL)
      (asserts! (is-eq (challenge id nonce RV-TOTAL u0 (list) action u0 RV-NO-DATA RV-NO-SIGNATURE RV-NO-SIGNATURE) (err u202))
                ERR-RV-WRONG-REFUSAL)
      (asserts! (is-eq (get status (unwrap-panic (get-channel id))) RV-OPEN) ERR-RV-SOMETHING-MOVED)
      (ok true))
    code (ok false)))

;; 1: add-signer takes a compressed public key (33 bytes, 0x02 or 0x03 first) and
;; nothing else (u306); what it takes is authorised for the caller alone.
(define-public (test-add-signer-takes-compressed-keys (participant-b principal) (key (buff 33)))
  (match (create-channel participant-b none RV-TOTAL RV-MIN-WINDOW none) id
    (let (
        (valid (and (is-eq (len key) u33) (or (is-eq (element-at? key u0) (some 0x02)) (is-eq (element-at? key u0) (some 0x03)))))
        (got (add-signer id key)))
      (asserts! (is-eq got (if valid (ok true) (err u306))) ERR-RV-WRONG-REFUSAL)
      (asserts! (is-eq (is-authorised-signer id tx-sender key) valid) ERR-RV-WRONG-REFUSAL)
      (asserts! (not (is-authorised-signer id participant-b key)) ERR-RV-WRONG-REFUSAL)
      (ok true))
    code (ok false)))

;; 6.5: claim pays only what waits: nothing on an open channel (u405), nor on a closing
;; one before its window ends (u204); neither call moves anything.
(define-public (test-claim-pays-only-what-waits (participant-b principal) (owner principal))
  (match (create-channel participant-b none RV-TOTAL RV-MIN-WINDOW none) id
    (let ((held (stx-get-balance current-contract)))
      (asserts! (is-eq (claim id owner none) (err u405)) ERR-RV-WRONG-REFUSAL)
      (asserts! (is-ok (emergency-close id)) ERR-RV-WRONG-REFUSAL)
      (asserts! (is-eq (claim id owner none) (err u204)) ERR-RV-WRONG-REFUSAL)
      (asserts! (is-eq (get status (unwrap-panic (get-channel id))) RV-CLOSING) ERR-RV-SOMETHING-MOVED)
      (asserts! (is-eq (stx-get-balance current-contract) held) ERR-RV-SOMETHING-MOVED)
      (ok true))
    code (ok false)))

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

;; What a channel accounts for: its total and what waits in `unpaid` for its participants.
(define-private (rv-add-owed (id (buff 32)) (acc { token: (optional principal), sum: uint }))
  (match (get-channel id) ch
    (if (is-eq (get token ch) (get token acc))
      (merge acc { sum: (+ (get sum acc) (get total ch)
        (get-unpaid id (get participant-a ch)) (get-unpaid id (get participant-b ch))) })
      acc)
    acc))

;; Sum over the tracked channels in `token` of their totals and unpaid payouts.
(define-private (rv-owed-in (token (optional principal)))
  (get sum (fold rv-add-owed (var-get rv-tracked) { token: token, sum: u0 })))

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
             (or (is-eq (get cheater seen) RV-NOBODY) (is-eq (get cheater ch) (get cheater seen))))
        false)
      false)))

(define-private (rv-cheater-is-closer (id (buff 32)) (ok-so-far bool))
  (and ok-so-far
    (match (get-channel id) ch
      (or (is-eq (get cheater ch) RV-NOBODY) (is-eq (get cheater ch) (get closer ch)))
      false)))

(define-private (rv-record-fits-status (id (buff 32)) (ok-so-far bool))
  (and ok-so-far
    (match (get-channel id) ch
      (let ((status (get status ch)) (closer (get closer ch)) (window (get window ch)))
        (and (is-eq (get htlc-count ch) (len (get htlcs ch)))
             (if (is-eq status RV-OPEN)
               (and (is-eq closer RV-NOBODY) (is-eq (get cheater ch) RV-NOBODY)
                    (is-eq (get deadline-burn ch) u0) (is-eq (get deadline-tenure ch) u0))
               (and (or (is-eq closer u1) (is-eq closer u2))
                    (or (not (is-eq status RV-CLOSING))
                        (and (>= (get deadline-burn ch) window) (<= (get deadline-burn ch) (+ burn-block-height window))
                             (>= (get deadline-tenure ch) window) (<= (get deadline-tenure ch) (+ tenure-height window))))))))
      false)))

(define-private (rv-unpaid-only-once-closed (id (buff 32)) (ok-so-far bool))
  (and ok-so-far
    (match (get-channel id) ch
      (or (is-eq (get status ch) RV-CLOSED)
          (and (is-eq (get-unpaid id (get participant-a ch)) u0) (is-eq (get-unpaid id (get participant-b ch)) u0)))
      false)))

(define-private (rv-settled-index-fits (index uint) (acc { id: (buff 32), closed: bool, count: uint, ok: bool }))
  (merge acc { ok: (and (get ok acc)
    (or (not (is-htlc-settled (get id acc) index)) (and (get closed acc) (< index (get count acc))))) }))

(define-private (rv-settled-only-once-closed (id (buff 32)) (ok-so-far bool))
  (and ok-so-far
    (match (get-channel id) ch
      (get ok (fold rv-settled-index-fits RV-INDICES
        { id: id, closed: (is-eq (get status ch) RV-CLOSED), count: (get htlc-count ch), ok: true }))
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
