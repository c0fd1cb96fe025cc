import type { QuestionKey } from '../conversation/conversation.types.js';

/** `contact_lost`: a customer no rep has as a contact any more (stage churned, 流失). */
export type Trigger = 'order_paid' | 'contact_added' | 'tag_added' | 'segment_entered' | 'dormant' | 'contact_lost';

export type Condition = { kind: 'always' } | { kind: 'bought_again' } | { kind: 'replied' } | { kind: 'has_tag'; tag: string } | { kind: 'segment_in'; segments: string[] };

/** Where a branch goes: a step index, or 'end' (the run completes). */
export type Target = number | 'end';

export type Step =
  /** Wait `minutes` (and/or `days`), then, if `at` is given, until that Asia/Shanghai time of day. */
  | { type: 'wait'; minutes?: number; days?: number; at?: string }
  /** A message to the customer; `{name}` and `{coupon}` are filled in. Marketing unless said otherwise. */
  | { type: 'send'; text: string; marketing?: boolean; coupon?: boolean }
  | { type: 'ask'; question: QuestionKey }
  /** A follow-up task for the owner rep, due `dueDays` later (0: today); `{name}`/`{coupon}` filled in. */
  | { type: 'task'; title: string; dueDays?: number; coupon?: boolean }
  | { type: 'tag'; add?: string[]; remove?: string[] }
  | { type: 'branch'; if: Condition; then: Target; else: Target };

export type Goal = { kind: 'order_paid'; windowDays: number };

export type Reentry = 'once' | 'always' | 'after_days';

export interface Journey {
  id: number;
  key: string | null;
  storeId: number | null;
  name: string;
  trigger: Trigger;
  triggerArg: string | null;
  steps: Step[];
  goal: Goal | null;
  reentry: Reentry;
  reentryDays: number | null;
  enabled: boolean;
  createdAt: number;
  updatedAt: number;
}

export type RunStatus = 'active' | 'completed' | 'goal_reached' | 'exited' | 'failed';

export interface JourneyRun {
  id: number;
  journeyId: number;
  customerId: number;
  storeId: number | null;
  triggerRef: string;
  status: RunStatus;
  stepIndex: number;
  nextAt: number;
  enteredAt: number;
}

export type TouchKind = 'message' | 'question' | 'task';
export type TouchStatus = 'pending' | 'sending' | 'sent' | 'skipped' | 'failed';
export type TouchChannel = 'bot' | 'template' | 'task';
/** What WeCom says became of a template touch: the rep has not confirmed it yet, or it reached the customer, or not. */
export type TouchDelivery = 'awaiting' | 'delivered' | 'failed';

/**
 * A WeCom template call (add_msg_template) made for a touch whose msgid is not recorded yet:
 * written before the call, so a process that dies during it leaves this behind.
 */
export interface TemplateAttempt {
  /** When the call was started (ms, our clock). */
  at: number;
  sender: string;
  /** SHA-256 (hex) of the text sent: matched against get_groupmsg_list_v2's text. */
  textSha: string;
}

export interface Touch {
  id: number;
  idemKey: string;
  runId: number | null;
  journeyId: number | null;
  customerId: number;
  storeId: number | null;
  stepIndex: number;
  kind: TouchKind;
  payload: { text?: string; question?: QuestionKey; title?: string; coupon?: string };
  marketing: boolean;
  status: TouchStatus;
  channel: TouchChannel | null;
  skipReason: string | null;
  attempts: number;
  deferrals: number;
  dueAt: number;
  createdAt: number;
  sentAt: number | null;
  /** Set while (or since) a template call was in flight without its msgid recorded. */
  templateAttempt: TemplateAttempt | null;
}

/** Why a touch did not reach the customer (recorded on the touch). */
export type SkipReason = 'opted_out' | 'frequency_cap' | 'mass_cap' | 'goal_reached' | 'no_route' | 'customer_gone' | 'journey_disabled';
