;; bitstream: two-party payment channels in STX or any SIP-010 token (sBTC included),
;; enforcing shared/PROTOCOL.md version 1.
;;
;; A channel escrows one token between participant-a (its creator) and participant-b.
;; The two sign SIP-018 states off-chain; the contract accepts a state only when it is
;; signed by a signer of each participant (their own key or a key they authorised for
;; the channel), its balances and HTLCs add up to the escrow, its nonce is not below the
;; floor and its action matches the function. Unilateral closes open a dispute window
;; counted in burn blocks (and tenures); a challenge with a newer state replaces the
;; close, and penalises a closer whose balance the newer state lowers (PROTOCOL section 6.3).
;;
;; Sections: constants, error codes, data, public functions, read-only functions,
;; private functions (the sBTC contracts' order).
;;
;; Cost notes: every byte of this file is read on every call, and a private function
;; type-checks its arguments at a cost that grows with their declared type, so large
;; values (a state, an HTLC list) cross at most one private boundary per call, and
;; HTLC lists live in their own map, read and written only when a channel has HTLCs.

(use-trait sip-010 .sip-010-trait.sip-010-trait)

;; ---------------------------------------------------------------------------------
;; Constants
;; ---------------------------------------------------------------------------------

;; SIP-018 structured-data prefix ("SIP018").
(define-constant SIP018-PREFIX 0x534950303138)
;; sha256 of the SIP-018 domain: this deployment's own principal and the chain id, so
;; a state signed for one deployment or one chain is refused by every other (I6).
(define-constant DOMAIN-HASH
  (sha256 (unwrap-panic (to-consensus-buff? {
    name: (unwrap-panic (to-ascii? current-contract)),
    version: "1",
    chain-id: chain-id }))))
;; What every signed hash starts with: "SIP018" || sha256(domain).
(define-constant SIGNING-PREFIX (concat SIP018-PREFIX DOMAIN-HASH))
;; Half the secp256k1 group order: a signature whose S exceeds it is the malleated twin
;; of a valid one. The simnet's recover accepts both, so the contract checks (I7).
(define-constant SECP256K1-HALF-ORDER 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0)
(define-constant MAX-UINT u340282366920938463463374607431768211455)

;; Dispute window bounds, in burn blocks (one day to one month).
(define-constant MIN-WINDOW u6)
(define-constant MAX-WINDOW u4320)

;; State actions (PROTOCOL section 3).
(define-constant ACTION-TRANSFER u0)
(define-constant ACTION-CLOSE u1)
(define-constant ACTION-DEPOSIT u2)
(define-constant ACTION-WITHDRAW u3)

;; Channel status.
(define-constant STATUS-OPEN u0)
(define-constant STATUS-CLOSING u1)
(define-constant STATUS-CLOSED u2)

;; ---------------------------------------------------------------------------------
;; Error codes, by area
;;   u1xx authorisation   u2xx channel state   u3xx signatures and nonces
;;   u4xx amounts and tokens   u5xx HTLCs (the secret registry owns u550-u559)
;; ---------------------------------------------------------------------------------

;; the caller is not a participant of the channel
(define-constant ERR-NOT-PARTICIPANT (err u100))
;; the caller is not the deposit or withdraw state's actor
(define-constant ERR-NOT-ACTOR (err u101))
;; a channel needs two different participants
(define-constant ERR-SELF-CHANNEL (err u102))

;; no channel has this id
(define-constant ERR-UNKNOWN-CHANNEL (err u200))
;; the operation needs an open channel
(define-constant ERR-NOT-OPEN (err u201))
;; the operation needs a channel in its dispute window
(define-constant ERR-NOT-CLOSING (err u202))
;; the operation needs a finalised channel
(define-constant ERR-NOT-CLOSED (err u203))
;; the dispute window has not ended yet
(define-constant ERR-WINDOW-OPEN (err u204))
;; the dispute window has ended: no more challenges
(define-constant ERR-WINDOW-ENDED (err u205))
;; the requested window is outside MIN-WINDOW to MAX-WINDOW
(define-constant ERR-BAD-WINDOW (err u206))

;; signature A is not by a signer of participant-a
(define-constant ERR-SIGNATURE-A (err u300))
;; signature B is not by a signer of participant-b
(define-constant ERR-SIGNATURE-B (err u301))
;; a signature has a high S value (the malleated twin of a valid signature)
(define-constant ERR-HIGH-S (err u302))
;; a signature's recovery id is not 0 or 1
(define-constant ERR-RECOVERY-ID (err u303))
;; the state's nonce is below the floor, or not above it where the floor must move,
;; or not above the closing state's nonce in a challenge
(define-constant ERR-STALE-NONCE (err u304))
;; the state's action does not match the function
(define-constant ERR-WRONG-ACTION (err u305))
;; a signer key must be a 33-byte compressed secp256k1 public key
(define-constant ERR-BAD-SIGNER-KEY (err u306))
;; a signature must be 65 bytes: R || S || recovery id
(define-constant ERR-SIGNATURE-LENGTH (err u307))

;; an amount that must be positive is zero
(define-constant ERR-ZERO-AMOUNT (err u400))
;; balances plus HTLCs do not add up to the channel's escrow
(define-constant ERR-SUM-MISMATCH (err u401))
;; the token argument is not the channel's token
(define-constant ERR-WRONG-TOKEN (err u402))
;; a withdrawal larger than the escrow
(define-constant ERR-AMOUNT-EXCEEDS-TOTAL (err u403))
;; a deposit that would overflow the escrow
(define-constant ERR-AMOUNT-OVERFLOW (err u404))

;; no HTLC at this index in the final state
(define-constant ERR-HTLC-INDEX (err u500))
;; this HTLC was already paid out
(define-constant ERR-HTLC-SETTLED (err u501))
;; the HTLC's secret is not revealed and its expiry has not passed
(define-constant ERR-HTLC-PENDING (err u502))

;; ---------------------------------------------------------------------------------
;; Data
;; ---------------------------------------------------------------------------------

;; Channels created so far; each new channel takes the next value as its `seq`.
(define-data-var channel-count uint u0)

;; The channel record. While open, nonce and balances are the last on-chain checkpoint
;; (nonce = floor); once closing or closed, the closing state. `total` is what the
;; contract holds for the channel right now; `htlc-count` how many HTLCs that state has
;; (their list is in `channel-htlcs`).
(define-map channels (buff 32) {
  participant-a: principal, participant-b: principal, token: (optional principal),
  window: uint, total: uint, status: uint, nonce: uint, balance-a: uint, balance-b: uint,
  htlc-count: uint, closer: (optional principal), deadline-burn: uint, deadline-tenure: uint,
  cheater: (optional principal) })

;; The HTLCs of a channel's checkpoint or closing state, when it has any.
(define-map channel-htlcs (buff 32) (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))

;; Append-only signer keys a participant authorised for a channel (PROTOCOL section 1).
(define-map signers { channel-id: (buff 32), owner: principal, key: (buff 33) } bool)

;; HTLCs of a finalised channel already paid out, by index in its final state.
(define-map htlc-settled { channel-id: (buff 32), index: uint } bool)

;; What the contract holds per token (none = STX), over all channels: invariant I1.
(define-map escrowed (optional principal) uint)

;; ---------------------------------------------------------------------------------
;; Public functions
;; ---------------------------------------------------------------------------------

;; Open a channel with `participant-b` in `token` (none = STX), escrowing the caller's
;; `amount`; the caller becomes participant-a. `signer` optionally authorises a key (a
;; session key) to sign for the caller. Anyone may call. Returns the channel id.
(define-public (create-channel
    (participant-b principal)
    (token (optional <sip-010>))
    (amount uint)
    (window uint)
    (signer (optional (buff 33))))
  (let (
      (seq (var-get channel-count))
      (token-id (token-principal token))
      (id (channel-id-of tx-sender participant-b token-id seq)))
    ;; two different participants
    (asserts! (not (is-eq tx-sender participant-b)) ERR-SELF-CHANNEL)
    ;; the window is within the contract's bounds
    (asserts! (and (>= window MIN-WINDOW) (<= window MAX-WINDOW)) ERR-BAD-WINDOW)
    ;; the creator escrows something
    (asserts! (> amount u0) ERR-ZERO-AMOUNT)
    (try! (add-signer-key id tx-sender signer))
    (try! (pay-in token token-id amount))
    (var-set channel-count (+ seq u1))
    (save "create-channel" id {
        participant-a: tx-sender, participant-b: participant-b, token: token-id,
        window: window, total: amount, status: STATUS-OPEN, nonce: u0,
        balance-a: amount, balance-b: u0, htlc-count: u0,
        closer: none, deadline-burn: u0, deadline-tenure: u0, cheater: none }
      none)
    (ok id)))

;; Deposit into an open channel with a co-signed `deposit` state whose actor is the
;; caller (also the counterparty's first funding). Moves the floor. Caller: the actor.
(define-public (fund-channel
    (state { channel-id: (buff 32), nonce: uint, balance-a: uint, balance-b: uint,
             htlcs: (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }),
             action: uint, actor: (optional principal), amount: uint })
    (sig-a (buff 65))
    (sig-b (buff 65))
    (token (optional <sip-010>))
    (signer (optional (buff 33))))
  (let (
      (id (get channel-id state))
      (ch (try! (get-open-channel id)))
      (amount (get amount state)))
    ;; the depositor is the state's actor and a participant
    (asserts! (is-eq (some tx-sender) (get actor state)) ERR-NOT-ACTOR)
    (try! (check-participant (get participant-a ch) (get participant-b ch)))
    ;; a deposit moves something
    (asserts! (> amount u0) ERR-ZERO-AMOUNT)
    ;; the escrow cannot overflow
    (asserts! (<= amount (- MAX-UINT (get total ch))) ERR-AMOUNT-OVERFLOW)
    (try! (check-token (get token ch) token))
    (try! (validate-state (get participant-a ch) (get participant-b ch) state sig-a sig-b ACTION-DEPOSIT (+ (get total ch) amount) (get nonce ch) true))
    (try! (add-signer-key id tx-sender signer))
    (try! (pay-in token (get token ch) amount))
    (save "fund-channel" (get channel-id state)
      (merge ch {
        total: (+ (get total ch) amount), nonce: (get nonce state), balance-a: (get balance-a state),
        balance-b: (get balance-b state), htlc-count: (len (get htlcs state)) })
      (some (get htlcs state)))
    (ok (get nonce state))))

;; Store a co-signed `transfer` state on-chain without closing: moves the floor so no
;; older state can be used again. Caller: a participant.
(define-public (update-balance
    (state { channel-id: (buff 32), nonce: uint, balance-a: uint, balance-b: uint,
             htlcs: (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }),
             action: uint, actor: (optional principal), amount: uint })
    (sig-a (buff 65))
    (sig-b (buff 65)))
  (let ((ch (try! (get-open-channel (get channel-id state)))))
    (try! (check-participant (get participant-a ch) (get participant-b ch)))
    (try! (validate-state (get participant-a ch) (get participant-b ch) state sig-a sig-b ACTION-TRANSFER (get total ch) (get nonce ch) true))
    (save "update-balance" (get channel-id state)
      (merge ch {
        total: (get total ch), nonce: (get nonce state), balance-a: (get balance-a state),
        balance-b: (get balance-b state), htlc-count: (len (get htlcs state)) })
      (some (get htlcs state)))
    (ok (get nonce state))))

;; Take `amount` of the caller's balance out of an open channel with a co-signed
;; `withdraw` state whose actor is the caller. Moves the floor. Caller: the actor.
(define-public (withdraw
    (state { channel-id: (buff 32), nonce: uint, balance-a: uint, balance-b: uint,
             htlcs: (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }),
             action: uint, actor: (optional principal), amount: uint })
    (sig-a (buff 65))
    (sig-b (buff 65))
    (token (optional <sip-010>)))
  (let (
      (ch (try! (get-open-channel (get channel-id state))))
      (amount (get amount state)))
    ;; the withdrawer is the state's actor and a participant
    (asserts! (is-eq (some tx-sender) (get actor state)) ERR-NOT-ACTOR)
    (try! (check-participant (get participant-a ch) (get participant-b ch)))
    ;; a withdrawal moves something
    (asserts! (> amount u0) ERR-ZERO-AMOUNT)
    ;; no more than the escrow
    (asserts! (<= amount (get total ch)) ERR-AMOUNT-EXCEEDS-TOTAL)
    (try! (check-token (get token ch) token))
    (try! (validate-state (get participant-a ch) (get participant-b ch) state sig-a sig-b ACTION-WITHDRAW (- (get total ch) amount) (get nonce ch) true))
    (try! (pay-out token (get token ch) amount tx-sender))
    (save "withdraw" (get channel-id state)
      (merge ch {
        total: (- (get total ch) amount), nonce: (get nonce state), balance-a: (get balance-a state),
        balance-b: (get balance-b state), htlc-count: (len (get htlcs state)) })
      (some (get htlcs state)))
    (ok (get nonce state))))

;; Authorise another key to sign states for the caller in this open channel. Keys are
;; append-only: a key once authorised stays valid (PROTOCOL section 1).
;; Caller: a participant.
(define-public (add-signer (id (buff 32)) (key (buff 33)))
  (let ((ch (try! (get-open-channel id))))
    (try! (check-participant (get participant-a ch) (get participant-b ch)))
    (try! (add-signer-key id tx-sender (some key)))
    (print {event: "add-signer", channel-id: id, owner: tx-sender, key: key})
    (ok true)))

;; Cooperative close with a co-signed `close` state: pays both balances at once, no
;; window. HTLCs in the state stay escrowed for `settle-htlc`. Caller: a participant.
(define-public (close-channel
    (state { channel-id: (buff 32), nonce: uint, balance-a: uint, balance-b: uint,
             htlcs: (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }),
             action: uint, actor: (optional principal), amount: uint })
    (sig-a (buff 65))
    (sig-b (buff 65))
    (token (optional <sip-010>)))
  (let (
      (ch (try! (get-open-channel (get channel-id state))))
      (balance-a (get balance-a state))
      (balance-b (get balance-b state)))
    (try! (check-participant (get participant-a ch) (get participant-b ch)))
    (try! (check-token (get token ch) token))
    (try! (validate-state (get participant-a ch) (get participant-b ch) state sig-a sig-b ACTION-CLOSE (get total ch) (get nonce ch) false))
    (try! (pay-out token (get token ch) balance-a (get participant-a ch)))
    (try! (pay-out token (get token ch) balance-b (get participant-b ch)))
    (save "close-channel" (get channel-id state)
      (merge ch {
        status: STATUS-CLOSED, nonce: (get nonce state), balance-a: balance-a, balance-b: balance-b,
        ;; only the HTLCs stay escrowed
        total: (- (get total ch) (+ balance-a balance-b)),
        htlc-count: (len (get htlcs state)), closer: (some tx-sender) })
      (some (get htlcs state)))
    (ok (get nonce state))))

;; Unilateral close with the newest co-signed `transfer` or `close` state the caller
;; holds; starts the dispute window. Caller: a participant.
(define-public (initiate-dispute
    (state { channel-id: (buff 32), nonce: uint, balance-a: uint, balance-b: uint,
             htlcs: (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }),
             action: uint, actor: (optional principal), amount: uint })
    (sig-a (buff 65))
    (sig-b (buff 65)))
  (let ((ch (try! (get-open-channel (get channel-id state)))))
    (try! (check-participant (get participant-a ch) (get participant-b ch)))
    (try! (validate-state (get participant-a ch) (get participant-b ch) state sig-a sig-b (closing-action (get action state)) (get total ch) (get nonce ch) false))
    (save "initiate-dispute" (get channel-id state)
      (closing (merge ch {
        nonce: (get nonce state), balance-a: (get balance-a state), balance-b: (get balance-b state),
        htlc-count: (len (get htlcs state)) }))
      (some (get htlcs state)))
    (ok (+ burn-block-height (get window ch)))))

;; Unilateral close from the last on-chain checkpoint (the implicit state, PROTOCOL
;; section 6.4) when the counterparty never signed or vanished; starts the window.
;; Caller: a participant.
(define-public (emergency-close (id (buff 32)))
  (let ((ch (try! (get-open-channel id))))
    (try! (check-participant (get participant-a ch) (get participant-b ch)))
    (save "emergency-close" id (closing ch) none)
    (ok (+ burn-block-height (get window ch)))))

;; During the window, replace the closing state with a co-signed `transfer` or `close`
;; state of higher nonce. If that state lowers the closer's balance, the closer used a
;; revoked state and is marked as the cheater: at `resolve` its whole balance goes to
;; the other participant (PROTOCOL section 6.3). Anyone may call (watchtowers).
(define-public (challenge
    (state { channel-id: (buff 32), nonce: uint, balance-a: uint, balance-b: uint,
             htlcs: (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }),
             action: uint, actor: (optional principal), amount: uint })
    (sig-a (buff 65))
    (sig-b (buff 65)))
  (let (
      (id (get channel-id state))
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (closer (default-to tx-sender (get closer ch)))
      (closer-is-a (is-eq closer (get participant-a ch)))
      (closer-before (if closer-is-a (get balance-a ch) (get balance-b ch)))
      (closer-after (if closer-is-a (get balance-a state) (get balance-b state))))
    ;; only a channel in its window can be challenged
    (asserts! (is-eq (get status ch) STATUS-CLOSING) ERR-NOT-CLOSING)
    ;; the window is still running
    (asserts! (not (window-ended (get deadline-burn ch) (get deadline-tenure ch))) ERR-WINDOW-ENDED)
    (try! (validate-state (get participant-a ch) (get participant-b ch) state sig-a sig-b (closing-action (get action state)) (get total ch) (get nonce ch) true))
    (save "challenge" id
      (merge ch {
        nonce: (get nonce state), balance-a: (get balance-a state), balance-b: (get balance-b state),
        htlc-count: (len (get htlcs state)),
        ;; once a cheater, always: a later challenge cannot clear the mark
        cheater: (if (< closer-after closer-before) (some closer) (get cheater ch)) })
      (some (get htlcs state)))
    (ok (get nonce state))))

;; After the window: pay the closing state's balances (the cheater's to the other
;; participant) and finalise. HTLCs stay escrowed for `settle-htlc`. Anyone may call.
(define-public (resolve (id (buff 32)) (token (optional <sip-010>)))
  (let (
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (cheater (get cheater ch))
      (a (get participant-a ch))
      (b (get participant-b ch))
      (both (+ (get balance-a ch) (get balance-b ch)))
      (pays-a (if (is-eq cheater (some b)) both (if (is-eq cheater (some a)) u0 (get balance-a ch)))))
    ;; only a channel in its window can be resolved
    (asserts! (is-eq (get status ch) STATUS-CLOSING) ERR-NOT-CLOSING)
    ;; the window has ended in burn blocks and in tenures
    (asserts! (window-ended (get deadline-burn ch) (get deadline-tenure ch)) ERR-WINDOW-OPEN)
    (try! (check-token (get token ch) token))
    (try! (pay-out token (get token ch) pays-a a))
    (try! (pay-out token (get token ch) (- both pays-a) b))
    (save "resolve" id (merge ch { status: STATUS-CLOSED, total: (- (get total ch) both) }) none)
    (ok (get nonce ch))))

;; After finalisation, pay HTLC `index` of the final state: to its receiver if the
;; secret was revealed on-chain by its expiry, back to its offerer once the expiry has
;; passed without such a reveal (PROTOCOL section 5). Anyone may call.
(define-public (settle-htlc (id (buff 32)) (index uint) (token (optional <sip-010>)))
  (let (
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (htlcs (default-to (list) (map-get? channel-htlcs id)))
      (htlc (unwrap! (element-at? htlcs index) ERR-HTLC-INDEX))
      (amount (get amount htlc))
      (revealed (contract-call? .secret-registry get-reveal-height (get hash htlc)))
      (to-receiver (match revealed height (<= height (get expiry htlc)) false))
      (payee (if (is-eq to-receiver (get offered-by-a htlc)) (get participant-b ch) (get participant-a ch))))
    ;; HTLCs pay out only once the final state is fixed
    (asserts! (is-eq (get status ch) STATUS-CLOSED) ERR-NOT-CLOSED)
    ;; each HTLC pays once
    (asserts! (map-insert htlc-settled { channel-id: id, index: index } true) ERR-HTLC-SETTLED)
    ;; revealed by expiry pays the receiver; otherwise wait for the expiry to pass
    (asserts! (or to-receiver (> burn-block-height (get expiry htlc))) ERR-HTLC-PENDING)
    (try! (check-token (get token ch) token))
    (try! (pay-out token (get token ch) amount payee))
    ;; the HTLC is known unpaid (checked above), so its amount is still in `total`
    (let ((updated (merge ch { total: (- (get total ch) amount) })))
      (map-set channels id updated)
      (print (merge updated {
        event: "settle-htlc", channel-id: id, htlcs: htlcs, penalty: (is-some (get cheater ch)),
        index: index, payee: payee, amount: amount, preimage-revealed: to-receiver })))
    (ok payee)))

;; ---------------------------------------------------------------------------------
;; Read-only functions
;; ---------------------------------------------------------------------------------

;; Is `state` with these signatures valid for its open channel now, and what does it
;; pay whom? Checks exactly what the matching public function would (PROTOCOL section 3).
(define-read-only (verify-payment
    (state { channel-id: (buff 32), nonce: uint, balance-a: uint, balance-b: uint,
             htlcs: (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }),
             action: uint, actor: (optional principal), amount: uint })
    (sig-a (buff 65))
    (sig-b (buff 65)))
  (let (
      (ch (try! (get-open-channel (get channel-id state))))
      (action (get action state))
      (total (get total ch))
      (amount (get amount state))
      (floor (get nonce ch)))
    ;; a known action
    (asserts! (<= action ACTION-WITHDRAW) ERR-WRONG-ACTION)
    ;; the escrow the state must add up to, without overflow or underflow
    (asserts! (or (not (is-eq action ACTION-DEPOSIT)) (<= amount (- MAX-UINT total))) ERR-AMOUNT-OVERFLOW)
    (asserts! (or (not (is-eq action ACTION-WITHDRAW)) (<= amount total)) ERR-AMOUNT-EXCEEDS-TOTAL)
    (try! (validate-state (get participant-a ch) (get participant-b ch) state sig-a sig-b action
      (if (is-eq action ACTION-DEPOSIT) (+ total amount)
        (if (is-eq action ACTION-WITHDRAW) (- total amount) total))
      ;; operations that move the floor need a nonce above it; closes may sit on it
      floor (> action ACTION-CLOSE)))
    (ok {
      participant-a: (get participant-a ch), pays-a: (get balance-a state),
      participant-b: (get participant-b ch), pays-b: (get balance-b state),
      htlc-total: (fold add-htlc (get htlcs state) u0) })))

;; The SIP-018 hash a signer signs for `state` under this deployment's domain.
(define-read-only (get-state-hash
    (state { channel-id: (buff 32), nonce: uint, balance-a: uint, balance-b: uint,
             htlcs: (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }),
             action: uint, actor: (optional principal), amount: uint }))
  ;; the same expression as in validate-state (kept inline there: see cost notes)
  (sha256 (concat SIGNING-PREFIX (sha256 (unwrap-panic (to-consensus-buff? state))))))

;; sha256 of this deployment's SIP-018 domain.
(define-read-only (get-domain-hash) DOMAIN-HASH)

;; The id the channel between `a` and `b` in `token` gets when it is channel `seq`.
(define-read-only (get-channel-id (a principal) (b principal) (token (optional principal)) (seq uint))
  (channel-id-of a b token seq))

;; The id the next `create-channel` by `a` with `b` in `token` would return.
(define-read-only (get-next-channel-id (a principal) (b principal) (token (optional principal)))
  (channel-id-of a b token (var-get channel-count)))

;; The channel record with its HTLC list, if any.
(define-read-only (get-channel (id (buff 32)))
  (match (map-get? channels id)
    ch (some (merge ch { htlcs: (default-to (list) (map-get? channel-htlcs id)) }))
    none))

;; Has `owner` authorised `key` to sign for it in channel `id`?
(define-read-only (is-authorised-signer (id (buff 32)) (owner principal) (key (buff 33)))
  (default-to false (map-get? signers { channel-id: id, owner: owner, key: key })))

;; Has HTLC `index` of channel `id` been paid out?
(define-read-only (is-htlc-settled (id (buff 32)) (index uint))
  (default-to false (map-get? htlc-settled { channel-id: id, index: index })))

;; What the contract holds in `token` (none = STX) over all channels.
(define-read-only (get-escrowed (token (optional principal)))
  (default-to u0 (map-get? escrowed token)))

;; Has the window of a closing channel ended (burn blocks and tenures both)?
(define-read-only (is-window-ended (id (buff 32)))
  (match (map-get? channels id) ch (window-ended (get deadline-burn ch) (get deadline-tenure ch)) false))

;; ---------------------------------------------------------------------------------
;; Private functions
;; ---------------------------------------------------------------------------------

;; The one place a state is judged (STYLE rule 1): action, nonce, sum, both signatures.
(define-private (validate-state
    (a principal)
    (b principal)
    (state { channel-id: (buff 32), nonce: uint, balance-a: uint, balance-b: uint,
             htlcs: (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }),
             action: uint, actor: (optional principal), amount: uint })
    (sig-a (buff 65))
    (sig-b (buff 65))
    (action uint)
    (expected-total uint)
    (floor uint)
    (above-floor bool))
  (let (
      (id (get channel-id state))
      ;; SIP-018: sha256("SIP018" || sha256(domain) || sha256(consensus(state)))
      (hash (sha256 (concat SIGNING-PREFIX (sha256 (unwrap-panic (to-consensus-buff? state)))))))
    ;; the action matches the function (a transfer state never closes at once)
    (asserts! (is-eq (get action state) action) ERR-WRONG-ACTION)
    ;; nothing below the floor (or the closing nonce) is ever accepted again, and what
    ;; moves the floor must be above it (I2); compared, never incremented, so a floor at
    ;; max-uint is a clear error rather than an overflow
    (asserts! (if above-floor (> (get nonce state) floor) (>= (get nonce state) floor)) ERR-STALE-NONCE)
    ;; balances plus HTLCs are exactly the escrow (I1), with no overflow on the way
    (asserts! (is-eq (let ((rest (sub-checked (get balance-b state) (sub-checked (get balance-a state) (some expected-total)))))
                       ;; folding even an empty list costs, and most states carry no HTLC
                       (if (is-eq (len (get htlcs state)) u0) rest (fold sub-htlc (get htlcs state) rest)))
              (some u0)) ERR-SUM-MISMATCH)
    ;; one signature by a signer of each participant
    (asserts! (try! (signed-by id a hash sig-a)) ERR-SIGNATURE-A)
    (asserts! (try! (signed-by id b hash sig-b)) ERR-SIGNATURE-B)
    (ok true)))

;; Is `sig` (65 bytes, R || S || V) a signature of `hash` by a signer of `owner` in
;; channel `id`? Malleated forms are errors, not just "no" (I7).
(define-private (signed-by (id (buff 32)) (owner principal) (hash (buff 32)) (sig (buff 65)))
  (begin
    ;; a whole signature: a shorter buffer is an error, not a runtime abort
    (asserts! (is-eq (len sig) u65) ERR-SIGNATURE-LENGTH)
    ;; low S only: the high-S twin of a valid signature is refused
    (asserts! (<= (unwrap-panic (slice? sig u32 u64)) SECP256K1-HALF-ORDER) ERR-HIGH-S)
    ;; recovery id 0 or 1 only
    (asserts! (< (buff-to-uint-be (unwrap-panic (element-at? sig u64))) u2) ERR-RECOVERY-ID)
    (ok (match (secp256k1-recover? hash sig) key (is-signer id owner key) e false))))

;; Is `key` the participant's own key or one it authorised for this channel?
(define-private (is-signer (id (buff 32)) (owner principal) (key (buff 33)))
  (or (match (principal-of? key) p (is-eq p owner) e false)
      (default-to false (map-get? signers { channel-id: id, owner: owner, key: key }))))

;; Authorise `key` (if any) for `owner` in channel `id`; idempotent, never removes.
(define-private (add-signer-key (id (buff 32)) (owner principal) (key (optional (buff 33))))
  (match key k
    (begin
      ;; a compressed public key: 33 bytes starting 0x02 or 0x03
      (asserts! (and (is-eq (len k) u33)
                     (or (is-eq (unwrap-panic (element-at? k u0)) 0x02)
                         (is-eq (unwrap-panic (element-at? k u0)) 0x03))) ERR-BAD-SIGNER-KEY)
      (map-set signers { channel-id: id, owner: owner, key: k } true)
      (ok true))
    (ok true)))

;; PROTOCOL section 2: sha256(consensus {contract, participant-a, participant-b, token, seq}).
(define-private (channel-id-of (a principal) (b principal) (token (optional principal)) (seq uint))
  (sha256 (unwrap-panic (to-consensus-buff? {
    contract: current-contract, participant-a: a, participant-b: b, token: token, seq: seq }))))

(define-private (token-principal (token (optional <sip-010>)))
  (match token t (some (contract-of t)) none))

;; The open channel `id`, or why not.
(define-private (get-open-channel (id (buff 32)))
  (let ((ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL)))
    ;; the operation needs an open channel
    (asserts! (is-eq (get status ch) STATUS-OPEN) ERR-NOT-OPEN)
    (ok ch)))

(define-private (check-participant (a principal) (b principal))
  (begin
    ;; only the channel's two participants act on it here
    (asserts! (or (is-eq tx-sender a) (is-eq tx-sender b)) ERR-NOT-PARTICIPANT)
    (ok true)))

;; The token argument must be the channel's own token (PROTOCOL section 6.1).
(define-private (check-token (token-id (optional principal)) (token (optional <sip-010>)))
  (begin
    ;; never transfer a token the channel does not hold
    (asserts! (is-eq (token-principal token) token-id) ERR-WRONG-TOKEN)
    (ok true)))

;; A unilateral close accepts `transfer` and `close` states; anything else is refused
;; as the `transfer` action it is not.
(define-private (closing-action (action uint))
  (if (is-eq action ACTION-CLOSE) ACTION-CLOSE ACTION-TRANSFER))

;; Subtract without underflow: none once the amounts exceed what remains.
(define-private (sub-checked (amount uint) (remaining (optional uint)))
  (match remaining r (if (<= amount r) (some (- r amount)) none) none))

(define-private (sub-htlc
    (htlc { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool })
    (remaining (optional uint)))
  (match remaining r (if (<= (get amount htlc) r) (some (- r (get amount htlc))) none) none))

(define-private (add-htlc (htlc { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }) (sum uint))
  (+ sum (get amount htlc)))

;; Has the window ended? Both clocks: burn blocks passing without Stacks tenures (a
;; stalled Stacks chain, when no one could answer) do not end it.
(define-private (window-ended (deadline-burn uint) (deadline-tenure uint))
  (and (>= burn-block-height deadline-burn) (>= tenure-height deadline-tenure)))

;; `ch` entering the dispute window, closed by the caller.
(define-private (closing
    (ch { participant-a: principal, participant-b: principal, token: (optional principal),
          window: uint, total: uint, status: uint, nonce: uint, balance-a: uint, balance-b: uint,
          htlc-count: uint, closer: (optional principal), deadline-burn: uint, deadline-tenure: uint,
          cheater: (optional principal) }))
  (merge ch {
    status: STATUS-CLOSING, closer: (some tx-sender),
    deadline-burn: (+ burn-block-height (get window ch)),
    deadline-tenure: (+ tenure-height (get window ch)) }))

;; Write a channel record and, when given, its HTLC list (skipping the write of an empty
;; list over an empty one); print the one complete post-state event watchtowers and
;; indexers read. The only place channels are written.
(define-private (save
    (event (string-ascii 20))
    (id (buff 32))
    (ch { participant-a: principal, participant-b: principal, token: (optional principal),
          window: uint, total: uint, status: uint, nonce: uint, balance-a: uint, balance-b: uint,
          htlc-count: uint, closer: (optional principal), deadline-burn: uint, deadline-tenure: uint,
          cheater: (optional principal) })
    (htlcs (optional (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))))
  (let (
      (stored (default-to (list) (map-get? channel-htlcs id)))
      (current (default-to stored htlcs)))
    (map-set channels id ch)
    (if (is-eq current stored) true
      (if (is-eq (len current) u0) (map-delete channel-htlcs id) (map-set channel-htlcs id current)))
    (print (merge ch { event: event, channel-id: id, htlcs: current, penalty: (is-some (get cheater ch)) }))))

;; Escrow `amount` of `token` from the caller.
(define-private (pay-in (token (optional <sip-010>)) (token-id (optional principal)) (amount uint))
  (begin
    ;; transfer first: an amount the caller cannot pay fails here with the transfer's own
    ;; error, before it could overflow the counter below
    (try! (match token t
      (contract-call? t transfer amount tx-sender current-contract none)
      (stx-transfer? amount tx-sender current-contract)))
    (ok (map-set escrowed token-id (+ (get-escrowed token-id) amount)))))

;; Pay `amount` of the channel's token to `to`, allowing the contract to move exactly
;; that much of exactly that token; zero payouts are skipped (a zero transfer fails).
(define-private (pay-out (token (optional <sip-010>)) (token-id (optional principal)) (amount uint) (to principal))
  (if (is-eq amount u0)
    (ok true)
    (begin
      (map-set escrowed token-id (- (get-escrowed token-id) amount))
      (match token t
        (as-contract? ((with-ft (contract-of t) "*" amount))
          (try! (contract-call? t transfer amount tx-sender to none)))
        (as-contract? ((with-stx amount))
          (try! (stx-transfer? amount tx-sender to)))))))
