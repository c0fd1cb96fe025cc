/**
 * Local WeCom emulator (wecom-protocol.md §9): the server APIs Siyu calls and the callback
 * pushes WeCom makes, in memory. Used in sandbox mode (no real credentials) and by tests.
 */
export {
  WecomEmulator,
  type CallRecord,
  type CorpTagGroupView,
  type EmulatorOptions,
  type Fault,
  type RelationshipView,
  type ScanReport,
  type TransferFailReason,
} from './emulator.js';
export type { CallbackConfig, DeliveryAttempt, DeliveryReport, UrlVerification } from './callback-driver.js';
export { VERIFY_DEADLINE_MS } from './callback-driver.js';
export { E as WECOM_ERRCODE, WELCOME_CODE_INVALID } from './errors.js';
export { WELCOME_WINDOW_MS } from './routes-customer.js';
export { MEDIA_TTL_MS, MAX_ATTACHMENTS, MAX_TEXT_BYTES } from './content.js';
export { MAX_CORP_TAGS } from './routes-tags.js';
export { APP_MSG_PER_MEMBER } from './routes-message.js';
export { defaultMassCap, type MassCap } from './routes-mass.js';
export type { EmployeeEdit, ExternalUserInput, GroupInput, JoinOptions, TagChangeKind, TagChangeOptions } from './world-events.js';
