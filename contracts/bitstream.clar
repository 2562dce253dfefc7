;; bitstream: two-party payment channels in STX or any SIP-010 token (sBTC included).
;; It enforces contracts/PROTOCOL.md, version 2; "(n)" names one of its sections.
;; A state counts when a signer of each participant signed it, it adds up to the
;; escrow, its nonce clears the floor and the call fits its action. Unilateral closes
;; open a window (tenures, and so burn blocks); a newer state replaces the close, and a
;; closer it shows owed less was cheating (6.3).
;; Sections in the sBTC order: constants, errors, data, public, read-only, private.
;; Cost (9): every source byte costs each call a runtime unit, and each `get` from a
;; tuple several thousand, so comments are short, states arrive as separate arguments
;; and each field is read once.

(use-trait sip-010 .sip-010-trait.sip-010-trait)

;; Constants

;; "SIP018" and the hash of this deployment's domain (2, I6)
(define-constant SIGNING-PREFIX (concat 0x534950303138 (sha256 (unwrap-panic (to-consensus-buff? {
  name: (unwrap-panic (to-ascii? current-contract)), version: "2", chain-id: chain-id })))))
;; half the curve order: a higher S is the malleated twin of a signature (I7)
(define-constant HALF-ORDER 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0)
(define-constant MAX-UINT u340282366920938463463374607431768211455)
;; window bounds, burn blocks
(define-constant MIN-WINDOW u6)
(define-constant MAX-WINDOW u4320)
;; actions (3)
(define-constant ACTION-TRANSFER u0)
(define-constant ACTION-CLOSE u1)
(define-constant ACTION-DEPOSIT u2)
(define-constant ACTION-WITHDRAW u3)
;; status
(define-constant STATUS-OPEN u0)
(define-constant STATUS-CLOSING u1)
(define-constant STATUS-CLOSED u2)
;; closer and cheater
(define-constant NOBODY u0)
(define-constant PARTY-A u1)
(define-constant PARTY-B u2)

;; Errors: u1xx who, u2xx channel state, u3xx signatures and states, u4xx amounts and
;; tokens, u5xx HTLCs (the secret registry owns u550-u559)

;; the direct caller is not a participant
(define-constant ERR-NOT-PARTICIPANT (err u100))
;; a deposit's actor is not the caller, or a withdraw's actor not a participant
(define-constant ERR-NOT-ACTOR (err u101))
;; a channel needs two different participants
(define-constant ERR-SELF-CHANNEL (err u102))
;; no channel has this id
(define-constant ERR-UNKNOWN-CHANNEL (err u200))
;; the call needs an open channel
(define-constant ERR-NOT-OPEN (err u201))
;; the call needs a channel in its window
(define-constant ERR-NOT-CLOSING (err u202))
;; the call needs a finalised channel
(define-constant ERR-NOT-CLOSED (err u203))
;; the window has not ended
(define-constant ERR-WINDOW-OPEN (err u204))
;; the window has ended
(define-constant ERR-WINDOW-ENDED (err u205))
;; the window is outside MIN-WINDOW to MAX-WINDOW
(define-constant ERR-BAD-WINDOW (err u206))
;; signature A is not by a signer of participant-a
(define-constant ERR-SIGNATURE-A (err u300))
;; signature B is not by a signer of participant-b
(define-constant ERR-SIGNATURE-B (err u301))
;; a signature has a high S
(define-constant ERR-HIGH-S (err u302))
;; a signature's recovery id is not 0 or 1
(define-constant ERR-RECOVERY-ID (err u303))
;; the nonce is below the floor, or not above it where it must be
(define-constant ERR-STALE-NONCE (err u304))
;; a unilateral close takes only transfer and close states
(define-constant ERR-WRONG-ACTION (err u305))
;; a signer key is not a 33-byte compressed public key
(define-constant ERR-BAD-SIGNER-KEY (err u306))
;; a signature is not 65 bytes
(define-constant ERR-SIGNATURE-LENGTH (err u307))
;; a close, deposit or withdraw state after its valid-until burn height
(define-constant ERR-STATE-EXPIRED (err u308))
;; an amount that must be positive is zero
(define-constant ERR-ZERO-AMOUNT (err u400))
;; balances plus HTLCs are not the escrow
(define-constant ERR-SUM-MISMATCH (err u401))
;; the token argument is not the channel's token
(define-constant ERR-WRONG-TOKEN (err u402))
;; a withdrawal larger than the escrow
(define-constant ERR-AMOUNT-EXCEEDS-TOTAL (err u403))
;; a deposit that would overflow the escrow
(define-constant ERR-AMOUNT-OVERFLOW (err u404))
;; no refused payout waits for this participant
(define-constant ERR-NOTHING-OWED (err u405))
;; no HTLC at this index in the final state
(define-constant ERR-HTLC-INDEX (err u500))
;; this HTLC was paid out already
(define-constant ERR-HTLC-SETTLED (err u501))
;; the HTLC is neither revealed in time nor expired
(define-constant ERR-HTLC-PENDING (err u502))

;; Data

;; channels created so far: the next channel's seq
(define-data-var channel-count uint u0)

;; who and what, fixed at creation
(define-map channels (buff 32) { participant-a: principal, participant-b: principal, token: (optional principal), window: uint })

;; where a channel stands. Open: the last checkpoint (nonce = floor); closing or
;; closed: the closing state. `total` is what the contract holds for it; its
;; `htlc-count` HTLCs are in channel-htlcs. closer and cheater: NOBODY, PARTY-A, PARTY-B.
(define-map checkpoints (buff 32) {
  total: uint, status: uint, nonce: uint, balance-a: uint, balance-b: uint, htlc-count: uint,
  closer: uint, deadline-burn: uint, deadline-tenure: uint, cheater: uint })

(define-map channel-htlcs (buff 32) (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))

;; append-only signer keys per channel and participant (1)
(define-map signers { channel-id: (buff 32), owner: principal, key: (buff 33) } bool)

;; HTLCs of finalised channels paid out, by index
(define-map htlc-settled { channel-id: (buff 32), index: uint } bool)

;; payouts a token refused, claimable later (6.5)
(define-map unpaid { channel-id: (buff 32), owner: principal } uint)

;; Public functions

;; Open a channel with `participant-b` in `token` (none = STX), escrowing `amount`
;; from the caller, who becomes participant-a; `signer` optionally authorises a key.
;; Anyone may call. Returns the channel id.
(define-public (create-channel
    (participant-b principal)
    (token (optional <sip-010>))
    (amount uint)
    (window uint)
    (signer (optional (buff 33))))
  (let (
      (a contract-caller)
      (seq (var-get channel-count))
      (token-id (token-principal token))
      (id (channel-id-of a participant-b token-id seq)))
    ;; two different participants
    (asserts! (not (is-eq a participant-b)) ERR-SELF-CHANNEL)
    ;; the window is within bounds
    (asserts! (and (>= window MIN-WINDOW) (<= window MAX-WINDOW)) ERR-BAD-WINDOW)
    ;; the creator escrows something
    (asserts! (> amount u0) ERR-ZERO-AMOUNT)
    (try! (add-signer-key id a signer))
    (var-set channel-count (+ seq u1))
    (map-set channels id { participant-a: a, participant-b: participant-b, token: token-id, window: window })
    (map-set checkpoints id {
      total: amount, status: STATUS-OPEN, nonce: u0, balance-a: amount, balance-b: u0, htlc-count: u0,
      closer: NOBODY, deadline-burn: u0, deadline-tenure: u0, cheater: NOBODY })
    (print { event: "create-channel", channel-id: id, participant-a: a, participant-b: participant-b,
      token: token-id, window: window, total: amount, status: STATUS-OPEN, nonce: u0, balance-a: amount,
      balance-b: u0, htlcs: (list), htlc-count: u0, closer: NOBODY, deadline-burn: u0, deadline-tenure: u0,
      cheater: NOBODY })
    (try! (pay-in token amount a))
    (ok id)))

;; Deposit `amount` with a co-signed deposit state naming the caller as its actor;
;; moves the floor. Caller: the actor.
(define-public (fund-channel
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (actor principal) (amount uint) (valid-until uint) (data (buff 32))
    (sig-a (buff 65)) (sig-b (buff 65))
    (token (optional <sip-010>))
    (signer (optional (buff 33))))
  (let (
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (cp (try! (open-checkpoint id)))
      (a (get participant-a ch))
      (b (get participant-b ch))
      (token-id (get token ch))
      (total (get total cp)))
    ;; the depositor is the state's actor
    (asserts! (is-eq actor contract-caller) ERR-NOT-ACTOR)
    (try! (check-participant a b))
    ;; a deposit moves something
    (asserts! (> amount u0) ERR-ZERO-AMOUNT)
    ;; the escrow cannot overflow
    (asserts! (<= amount (- MAX-UINT total)) ERR-AMOUNT-OVERFLOW)
    (try! (check-token token-id token))
    (try! (check-live valid-until))
    (try! (validate a b (get nonce cp) true (+ total amount) id nonce balance-a balance-b htlcs ACTION-DEPOSIT (some actor) amount valid-until data sig-a sig-b))
    (try! (add-signer-key id actor signer))
    (save "fund-channel" id (merge cp { total: (+ total amount), nonce: nonce, balance-a: balance-a, balance-b: balance-b, htlc-count: (len htlcs) }) (get htlc-count cp) (some htlcs))
    (try! (pay-in token amount actor))
    (ok nonce)))

;; Checkpoint a co-signed transfer state without closing; moves the floor.
;; Caller: a participant.
(define-public (update-balance
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (data (buff 32)) (sig-a (buff 65)) (sig-b (buff 65)))
  (let (
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (cp (try! (open-checkpoint id)))
      (a (get participant-a ch))
      (b (get participant-b ch)))
    (try! (check-participant a b))
    (try! (validate a b (get nonce cp) true (get total cp) id nonce balance-a balance-b htlcs ACTION-TRANSFER none u0 u0 data sig-a sig-b))
    (save "update-balance" id (merge cp { nonce: nonce, balance-a: balance-a, balance-b: balance-b, htlc-count: (len htlcs) }) (get htlc-count cp) (some htlcs))
    (ok nonce)))

;; Pay a co-signed withdraw state's `amount` to its actor; moves the floor. Either
;; participant may land it, so a withheld withdraw cannot stall the other (4.3).
;; Caller: a participant.
(define-public (withdraw
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (actor principal) (amount uint) (valid-until uint) (data (buff 32))
    (sig-a (buff 65)) (sig-b (buff 65))
    (token (optional <sip-010>)))
  (let (
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (cp (try! (open-checkpoint id)))
      (a (get participant-a ch))
      (b (get participant-b ch))
      (token-id (get token ch))
      (total (get total cp)))
    (try! (check-participant a b))
    ;; only a participant is paid (I5)
    (asserts! (or (is-eq actor a) (is-eq actor b)) ERR-NOT-ACTOR)
    ;; a withdrawal moves something
    (asserts! (> amount u0) ERR-ZERO-AMOUNT)
    ;; no more than the escrow
    (asserts! (<= amount total) ERR-AMOUNT-EXCEEDS-TOTAL)
    (try! (check-token token-id token))
    (try! (check-live valid-until))
    (try! (validate a b (get nonce cp) true (- total amount) id nonce balance-a balance-b htlcs ACTION-WITHDRAW (some actor) amount valid-until data sig-a sig-b))
    (save "withdraw" id (merge cp { total: (- total amount), nonce: nonce, balance-a: balance-a, balance-b: balance-b, htlc-count: (len htlcs) }) (get htlc-count cp) (some htlcs))
    (try! (send token amount actor))
    (ok nonce)))

;; Authorise another key to sign for the caller in this open channel; append-only
;; (1). Caller: a participant.
(define-public (add-signer (id (buff 32)) (key (buff 33)))
  (let ((ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL)))
    (try! (open-checkpoint id))
    (try! (check-participant (get participant-a ch) (get participant-b ch)))
    (try! (add-signer-key id contract-caller (some key)))
    (print { event: "add-signer", channel-id: id, owner: contract-caller, key: key })
    (ok true)))

;; Cooperative close with a co-signed close state before its valid-until: pays both
;; balances at once; HTLCs stay escrowed for settle-htlc. Caller: a participant.
(define-public (close-channel
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (valid-until uint) (data (buff 32)) (sig-a (buff 65)) (sig-b (buff 65))
    (token (optional <sip-010>)))
  (let (
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (cp (try! (open-checkpoint id)))
      (a (get participant-a ch))
      (b (get participant-b ch))
      (token-id (get token ch))
      (total (get total cp)))
    (try! (check-participant a b))
    (try! (check-token token-id token))
    (try! (check-live valid-until))
    (try! (validate a b (get nonce cp) false total id nonce balance-a balance-b htlcs ACTION-CLOSE none u0 valid-until data sig-a sig-b))
    (save "close-channel" id
      ;; only the HTLCs stay escrowed
      (merge cp { total: (- total (+ balance-a balance-b)), status: STATUS-CLOSED, nonce: nonce, balance-a: balance-a,
        balance-b: balance-b, htlc-count: (len htlcs), closer: (party a) })
      (get htlc-count cp) (some htlcs))
    (pay-both token id a balance-a b balance-b)
    (ok nonce)))

;; Unilateral close with a co-signed transfer or close state; starts the window.
;; Caller: a participant.
(define-public (initiate-dispute
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (action uint) (valid-until uint) (data (buff 32)) (sig-a (buff 65)) (sig-b (buff 65)))
  (let (
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (cp (try! (open-checkpoint id)))
      (a (get participant-a ch))
      (b (get participant-b ch))
      (window (get window ch))
      (deadline (+ burn-block-height window)))
    (try! (check-participant a b))
    (try! (check-closing-action action))
    (try! (validate a b (get nonce cp) false (get total cp) id nonce balance-a balance-b htlcs action none u0 valid-until data sig-a sig-b))
    (save "initiate-dispute" id
      (merge cp { status: STATUS-CLOSING, nonce: nonce, balance-a: balance-a, balance-b: balance-b, htlc-count: (len htlcs),
        closer: (party a), deadline-burn: deadline, deadline-tenure: (+ tenure-height window) })
      (get htlc-count cp) (some htlcs))
    (ok deadline)))

;; Unilateral close from the last checkpoint (6.4); starts the window.
;; Caller: a participant.
(define-public (emergency-close (id (buff 32)))
  (let (
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (cp (try! (open-checkpoint id)))
      (a (get participant-a ch))
      (window (get window ch))
      (deadline (+ burn-block-height window)))
    (try! (check-participant a (get participant-b ch)))
    (save "emergency-close" id
      (merge cp { status: STATUS-CLOSING, closer: (party a),
        deadline-burn: deadline, deadline-tenure: (+ tenure-height window) })
      (get htlc-count cp) none)
    (ok deadline)))

;; In the window, replace the closing state with a co-signed transfer or close state
;; of higher nonce. A closer the new state shows owed less (balance plus the HTLCs
;; payable to it) closed with a revoked state: it is the cheater, and resolve pays its
;; balance to the other side (6.3). Anyone may call (watchtowers).
(define-public (challenge
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (action uint) (valid-until uint) (data (buff 32)) (sig-a (buff 65)) (sig-b (buff 65)))
  (let (
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (cp (unwrap! (map-get? checkpoints id) ERR-UNKNOWN-CHANNEL))
      (count (get htlc-count cp))
      (closer (get closer cp)))
    ;; only a channel in its window
    (asserts! (is-eq (get status cp) STATUS-CLOSING) ERR-NOT-CLOSING)
    ;; the window still runs
    (asserts! (not (window-ended (get deadline-tenure cp))) ERR-WINDOW-ENDED)
    (try! (check-closing-action action))
    (try! (validate (get participant-a ch) (get participant-b ch) (get nonce cp) true (get total cp) id nonce balance-a balance-b htlcs action none u0 valid-until data sig-a sig-b))
    ;; what each state owes a: its balance plus the HTLCs b offered (6.3); both states
    ;; add up to the escrow, so neither sum can overflow once validated
    (let (
        (owed-before (owed-a (get balance-a cp) (if (is-eq count u0) (list) (default-to (list) (map-get? channel-htlcs id)))))
        (owed-after (owed-a balance-a htlcs)))
    (save "challenge" id
      (merge cp { nonce: nonce, balance-a: balance-a, balance-b: balance-b, htlc-count: (len htlcs),
        ;; owed-a + owed-b = total: b is owed less exactly when a is owed more; once a cheater, always
        cheater: (if (if (is-eq closer PARTY-A) (< owed-after owed-before) (> owed-after owed-before)) closer (get cheater cp)) })
      count (some htlcs)))
    (ok nonce)))

;; After the window: pay the closing balances (the cheater's to the other side) and
;; finalise; HTLCs stay for settle-htlc. Anyone may call.
(define-public (resolve (id (buff 32)) (token (optional <sip-010>)))
  (let (
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (pays (try! (finalize id (unwrap! (map-get? checkpoints id) ERR-UNKNOWN-CHANNEL))))
      (token-id (get token ch)))
    (try! (check-token token-id token))
    (pay-both token id (get participant-a ch) (get a pays) (get participant-b ch) (get b pays))
    (ok (get nonce pays))))

;; After finalisation, pay HTLC `index`: to its receiver if its secret was revealed by
;; its expiry (a tenure height), else to its offerer once the expiry has passed (5).
;; Anyone may call.
(define-public (settle-htlc (id (buff 32)) (index uint) (token (optional <sip-010>)))
  (let (
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (cp (unwrap! (map-get? checkpoints id) ERR-UNKNOWN-CHANNEL))
      (htlcs (default-to (list) (map-get? channel-htlcs id)))
      (htlc (unwrap! (element-at? htlcs index) ERR-HTLC-INDEX))
      (amount (get amount htlc))
      (expiry (get expiry htlc))
      (to-receiver (match (contract-call? .secret-registry get-reveal-height (get hash htlc)) at (<= at expiry) false))
      (payee (if (is-eq to-receiver (get offered-by-a htlc)) (get participant-b ch) (get participant-a ch)))
      (token-id (get token ch)))
    ;; HTLCs pay out once the final state is fixed
    (asserts! (is-eq (get status cp) STATUS-CLOSED) ERR-NOT-CLOSED)
    ;; each HTLC pays once
    (asserts! (map-insert htlc-settled { channel-id: id, index: index } true) ERR-HTLC-SETTLED)
    ;; revealed in time pays now; otherwise wait for the expiry
    (asserts! (or to-receiver (> tenure-height expiry)) ERR-HTLC-PENDING)
    (try! (check-token token-id token))
    ;; known unpaid (checked above), so its amount is still in total
    (let ((after (merge cp { total: (- (get total cp) amount) })))
      (map-set checkpoints id after)
      (print (merge after { event: "settle-htlc", channel-id: id, htlcs: htlcs,
        index: index, payee: payee, amount: amount, preimage-revealed: to-receiver })))
    (try! (send token amount payee))
    (ok payee)))

;; Pay `owner` what waits for it (6.5): a payout its token refused at a close or a
;; resolve, or, on a closing channel whose window has ended, its share, finalising the
;; channel and leaving the other side's share waiting too. So a payout that fails, or
;; aborts, never holds the other side's. Anyone may call.
(define-public (claim (id (buff 32)) (owner principal) (token (optional <sip-010>)))
  (let (
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (cp (unwrap! (map-get? checkpoints id) ERR-UNKNOWN-CHANNEL))
      (token-id (get token ch))
      (key { channel-id: id, owner: owner }))
    (if (is-eq (get status cp) STATUS-CLOSING)
      (let ((pays (try! (finalize id cp))))
        (owe id (get a pays) (get participant-a ch))
        (owe id (get b pays) (get participant-b ch)))
      true)
    (let ((amount (default-to u0 (map-get? unpaid key))))
      ;; something waits for this owner
      (asserts! (> amount u0) ERR-NOTHING-OWED)
      (try! (check-token token-id token))
      (map-delete unpaid key)
      (print { event: "claim", channel-id: id, owner: owner, amount: amount })
      (try! (send token amount owner))
      (ok amount))))

;; Read-only functions

;; Would the call for this state's action take it now, and what does it pay whom? For a
;; transfer or close state: is it good to close or challenge with (nonce at or above
;; the floor). The tuple is rebuilt as that call would (a transfer without actor,
;; amount or valid-until; a close without actor or amount), so the answer is the call's.
(define-read-only (verify-payment
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (action uint) (actor (optional principal)) (amount uint) (valid-until uint) (data (buff 32))
    (sig-a (buff 65)) (sig-b (buff 65)))
  (let (
      (ch (unwrap! (map-get? channels id) ERR-UNKNOWN-CHANNEL))
      (cp (try! (open-checkpoint id)))
      (a (get participant-a ch))
      (b (get participant-b ch))
      (total (get total cp))
      (moves (> action ACTION-CLOSE)))
    ;; a known action
    (asserts! (<= action ACTION-WITHDRAW) ERR-WRONG-ACTION)
    ;; a deposit or withdraw names a participant and moves something
    (asserts! (or (not moves) (is-eq actor (some a)) (is-eq actor (some b))) ERR-NOT-ACTOR)
    (asserts! (or (not moves) (> amount u0)) ERR-ZERO-AMOUNT)
    ;; the escrow the state must add up to, without overflow or underflow
    (asserts! (or (not (is-eq action ACTION-DEPOSIT)) (<= amount (- MAX-UINT total))) ERR-AMOUNT-OVERFLOW)
    (asserts! (or (not (is-eq action ACTION-WITHDRAW)) (<= amount total)) ERR-AMOUNT-EXCEEDS-TOTAL)
    (try! (if (is-eq action ACTION-TRANSFER) (ok true) (check-live valid-until)))
    (try! (validate a b (get nonce cp) moves
      (if (is-eq action ACTION-DEPOSIT) (+ total amount) (if (is-eq action ACTION-WITHDRAW) (- total amount) total))
      id nonce balance-a balance-b htlcs action (if moves actor none) (if moves amount u0)
      (if (is-eq action ACTION-TRANSFER) u0 valid-until) data sig-a sig-b))
    (ok { participant-a: a, pays-a: balance-a, participant-b: b, pays-b: balance-b, htlc-total: (fold add-htlc htlcs u0) })))

;; The SIP-018 hash a signer signs for `state` here (validate's expression).
(define-read-only (get-state-hash
    (state { channel-id: (buff 32), nonce: uint, balance-a: uint, balance-b: uint,
             htlcs: (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }),
             action: uint, actor: (optional principal), amount: uint, valid-until: uint, data: (buff 32) }))
  (sha256 (concat SIGNING-PREFIX (sha256 (unwrap-panic (to-consensus-buff? state))))))

;; sha256 of this deployment's SIP-018 domain
(define-read-only (get-domain-hash) (unwrap-panic (as-max-len? (unwrap-panic (slice? SIGNING-PREFIX u6 u38)) u32)))

;; The id of channel `seq` between `a` and `b` in `token`.
(define-read-only (get-channel-id (a principal) (b principal) (token (optional principal)) (seq uint))
  (channel-id-of a b token seq))

;; The id the next create-channel by `a` with `b` in `token` returns.
(define-read-only (get-next-channel-id (a principal) (b principal) (token (optional principal)))
  (channel-id-of a b token (var-get channel-count)))

;; The channel: who, what and where it stands, with its HTLC list.
(define-read-only (get-channel (id (buff 32)))
  (match (map-get? channels id)
    ch (some (merge (merge ch (unwrap-panic (map-get? checkpoints id))) { htlcs: (default-to (list) (map-get? channel-htlcs id)) }))
    none))

(define-read-only (is-authorised-signer (id (buff 32)) (owner principal) (key (buff 33)))
  (default-to false (map-get? signers { channel-id: id, owner: owner, key: key })))

(define-read-only (is-htlc-settled (id (buff 32)) (index uint))
  (default-to false (map-get? htlc-settled { channel-id: id, index: index })))

;; A refused payout waiting for `owner` in channel `id`.
(define-read-only (get-unpaid (id (buff 32)) (owner principal))
  (default-to u0 (map-get? unpaid { channel-id: id, owner: owner })))

;; Is the channel closing with its window ended (burn blocks and tenures)?
(define-read-only (is-window-ended (id (buff 32)))
  (match (map-get? checkpoints id) cp
    (and (is-eq (get status cp) STATUS-CLOSING) (window-ended (get deadline-tenure cp)))
    false))

;; Private functions

;; The one place a state is judged (STYLE rule 1): nonce, sum, both signatures over
;; the state tuple rebuilt from its fields (3).
(define-private (validate
    (a principal) (b principal) (floor uint) (above-floor bool) (total uint)
    (id (buff 32)) (nonce uint) (balance-a uint) (balance-b uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))
    (action uint) (actor (optional principal)) (amount uint) (valid-until uint) (data (buff 32))
    (sig-a (buff 65)) (sig-b (buff 65)))
  (let (
      (rest (sub-checked balance-b (sub-checked balance-a (some total))))
      (hash (sha256 (concat SIGNING-PREFIX (sha256 (unwrap-panic (to-consensus-buff? {
        channel-id: id, nonce: nonce, balance-a: balance-a, balance-b: balance-b, htlcs: htlcs,
        action: action, actor: actor, amount: amount, valid-until: valid-until, data: data })))))))
    ;; nothing below the floor, and what moves it is above it (I2)
    (asserts! (if above-floor (> nonce floor) (>= nonce floor)) ERR-STALE-NONCE)
    ;; balances plus HTLCs are exactly the escrow (I1), without overflow
    (asserts! (is-eq (if (is-eq (len htlcs) u0) rest (fold sub-htlc htlcs rest)) (some u0)) ERR-SUM-MISMATCH)
    ;; one signature by a signer of each participant
    (asserts! (try! (signed-by id a hash sig-a)) ERR-SIGNATURE-A)
    (asserts! (try! (signed-by id b hash sig-b)) ERR-SIGNATURE-B)
    (ok true)))

;; Is `sig` (R || S || V) by a signer of `owner`? Malleated forms are errors (I7).
(define-private (signed-by (id (buff 32)) (owner principal) (hash (buff 32)) (sig (buff 65)))
  (begin
    ;; a whole signature
    (asserts! (is-eq (len sig) u65) ERR-SIGNATURE-LENGTH)
    ;; low S only
    (asserts! (<= (unwrap-panic (slice? sig u32 u64)) HALF-ORDER) ERR-HIGH-S)
    ;; recovery id 0 or 1
    (asserts! (< (buff-to-uint-be (unwrap-panic (element-at? sig u64))) u2) ERR-RECOVERY-ID)
    (ok (match (secp256k1-recover? hash sig) key
      (or (is-eq (principal-of? key) (ok owner)) (default-to false (map-get? signers { channel-id: id, owner: owner, key: key })))
      e false))))

;; Authorise `key` for `owner` in channel `id`; idempotent, never removes.
(define-private (add-signer-key (id (buff 32)) (owner principal) (key (optional (buff 33))))
  (match key k
    (begin
      ;; a compressed public key: 33 bytes starting 0x02 or 0x03
      (asserts! (and (is-eq (len k) u33) (or (is-eq (element-at? k u0) (some 0x02)) (is-eq (element-at? k u0) (some 0x03)))) ERR-BAD-SIGNER-KEY)
      (ok (map-set signers { channel-id: id, owner: owner, key: k } true)))
    (ok true)))

;; (2) sha256(consensus {contract, participant-a, participant-b, token, seq})
(define-private (channel-id-of (a principal) (b principal) (token (optional principal)) (seq uint))
  (sha256 (unwrap-panic (to-consensus-buff? {
    contract: current-contract, participant-a: a, participant-b: b, token: token, seq: seq }))))

(define-private (token-principal (token (optional <sip-010>)))
  (match token t (some (contract-of t)) none))

(define-private (open-checkpoint (id (buff 32)))
  (let ((cp (unwrap! (map-get? checkpoints id) ERR-UNKNOWN-CHANNEL)))
    ;; the call needs an open channel
    (asserts! (is-eq (get status cp) STATUS-OPEN) ERR-NOT-OPEN)
    (ok cp)))

(define-private (check-participant (a principal) (b principal))
  (begin
    ;; the direct caller, never tx-sender: a contract the user calls cannot act as the
    ;; user (6, the sBTC contracts' rule)
    (asserts! (or (is-eq contract-caller a) (is-eq contract-caller b)) ERR-NOT-PARTICIPANT)
    (ok true)))

;; PARTY-A if the caller is participant `a`, else PARTY-B (callers are checked first).
(define-private (party (a principal))
  (if (is-eq contract-caller a) PARTY-A PARTY-B))

(define-private (check-token (token-id (optional principal)) (token (optional <sip-010>)))
  (begin
    ;; never transfer a token the channel does not hold (6.1)
    (asserts! (is-eq (token-principal token) token-id) ERR-WRONG-TOKEN)
    (ok true)))

(define-private (check-live (valid-until uint))
  (begin
    ;; an unlanded close, deposit or withdraw state expires, so it can be abandoned (4.3)
    (asserts! (<= burn-block-height valid-until) ERR-STATE-EXPIRED)
    (ok true)))

(define-private (check-closing-action (action uint))
  (begin
    ;; a deposit or withdraw state never closes a channel
    (asserts! (or (is-eq action ACTION-TRANSFER) (is-eq action ACTION-CLOSE)) ERR-WRONG-ACTION)
    (ok true)))

;; Subtract without underflow: none once the amounts exceed what remains.
(define-private (sub-checked (amount uint) (remaining (optional uint)))
  (match remaining r (if (<= amount r) (some (- r amount)) none) none))

(define-private (sub-htlc (htlc { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }) (remaining (optional uint)))
  (sub-checked (get amount htlc) remaining))

(define-private (add-htlc (htlc { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }) (sum uint))
  (+ sum (get amount htlc)))

(define-private (add-htlc-to-a (htlc { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }) (sum uint))
  (if (get offered-by-a htlc) sum (+ sum (get amount htlc))))

;; What a state owes participant-a: its balance plus the HTLCs b offered (6.3).
(define-private (owed-a (balance uint) (htlcs (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool })))
  (if (is-eq (len htlcs) u0) balance (fold add-htlc-to-a htlcs balance)))

;; The window ends once its tenures have passed: burn blocks passing without tenures (a
;; Stacks stall) do not end it, and a chain cannot add tenures faster than Bitcoin blocks
;; (one per sortition), so its burn blocks have passed too (1). One clock, one read.
(define-private (window-ended (deadline-tenure uint))
  (>= tenure-height deadline-tenure))

;; Write a checkpoint and its HTLC list (`htlcs`, or the stored one when none), and
;; print the one complete post-state event watchtowers and indexers read (who and
;; what are in create-channel's). The only writer of checkpoints but settle-htlc's,
;; and always before any token call (6.6).
(define-private (save
    (event (string-ascii 16))
    (id (buff 32))
    (cp { total: uint, status: uint, nonce: uint, balance-a: uint, balance-b: uint, htlc-count: uint,
          closer: uint, deadline-burn: uint, deadline-tenure: uint, cheater: uint })
    (stored-count uint)
    (htlcs (optional (list 8 { hash: (buff 32), amount: uint, expiry: uint, offered-by-a: bool }))))
  (let ((list-now (match htlcs new new (if (is-eq stored-count u0) (list) (default-to (list) (map-get? channel-htlcs id))))))
    (map-set checkpoints id cp)
    (and (is-some htlcs) (or (> stored-count u0) (> (len list-now) u0))
      (if (is-eq (len list-now) u0) (map-delete channel-htlcs id) (map-set channel-htlcs id list-now)))
    (print (merge cp { event: event, channel-id: id, htlcs: list-now }))))

;; Finalise a closing channel whose window has ended: close it (the one write) and
;; say what each side is paid, the cheater's balance going to the other side (6.3).
(define-private (finalize
    (id (buff 32))
    (cp { total: uint, status: uint, nonce: uint, balance-a: uint, balance-b: uint, htlc-count: uint,
          closer: uint, deadline-burn: uint, deadline-tenure: uint, cheater: uint }))
  (let (
      (cheater (get cheater cp))
      (balance-a (get balance-a cp))
      (both (+ balance-a (get balance-b cp)))
      (pays-a (if (is-eq cheater PARTY-B) both (if (is-eq cheater PARTY-A) u0 balance-a))))
    ;; only a channel in its window
    (asserts! (is-eq (get status cp) STATUS-CLOSING) ERR-NOT-CLOSING)
    ;; the window has ended in burn blocks and in tenures
    (asserts! (window-ended (get deadline-tenure cp)) ERR-WINDOW-OPEN)
    ;; HTLCs stay for settle-htlc
    (save "resolve" id (merge cp { status: STATUS-CLOSED, total: (- (get total cp) both) }) (get htlc-count cp) none)
    (ok { a: pays-a, b: (- both pays-a), nonce: (get nonce cp) })))

;; Escrow `amount` of `token` from `from`, the direct caller (the token refuses a
;; transfer from anyone else).
(define-private (pay-in (token (optional <sip-010>)) (amount uint) (from principal))
  (match token t
    (contract-call? t transfer amount from current-contract none)
    (stx-transfer? amount from current-contract)))

;; Pay both participants; a payout the token refuses waits in `unpaid`, so one side's
;; payout never waits on the other's (6.5).
(define-private (pay-both (token (optional <sip-010>)) (id (buff 32)) (a principal) (pays-a uint) (b principal) (pays-b uint))
  (and (send-or-owe token id pays-a a) (send-or-owe token id pays-b b)))

(define-private (send-or-owe (token (optional <sip-010>)) (id (buff 32)) (amount uint) (to principal))
  (or (is-ok (send token amount to))
    (begin
      (print { event: "payout-refused", channel-id: id, owner: to, amount: amount })
      (owe id amount to))))

;; Keep `amount` for `to` until claimed; it stays in the contract's holdings (I1).
(define-private (owe (id (buff 32)) (amount uint) (to principal))
  (let ((key { channel-id: id, owner: to }))
    (or (is-eq amount u0) (map-set unpaid key (+ amount (default-to u0 (map-get? unpaid key)))))))

;; Transfer `amount` to `to`, allowing exactly that much of exactly that token; zero
;; payouts are skipped (a zero transfer fails).
(define-private (send (token (optional <sip-010>)) (amount uint) (to principal))
  (if (is-eq amount u0)
    (ok true)
    (match token t
      (as-contract? ((with-ft (contract-of t) "*" amount))
        (try! (contract-call? t transfer amount tx-sender to none)))
      (as-contract? ((with-stx amount))
        (try! (stx-transfer? amount tx-sender to))))))
