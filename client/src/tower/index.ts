// tower/: the standalone watchtower's parts that do not watch — the signed-request
// authentication, the store of uploaded states, the upload checks, its HTTP API and a
// client for it. It never holds a key or a secret of a client: only states both sides
// signed, which can only close a channel at that state. The watching is the
// watchtower/ library's, fed from this store; the process that runs both
// (`bitstream tower`) composes them.
export * from './errors.js';
export { AUTH_WINDOW_SECONDS, RequestAuth, authorization, requestDigest } from './auth.js';
export { TowerStore, type HeldState } from './store.js';
export { takeUpload, UploadSchema, type UploadLimits, type UploadResult } from './uploads.js';
export { createTowerApi, type TowerApiOptions } from './api.js';
export { TowerClient, type TowerClientOptions } from './client.js';
