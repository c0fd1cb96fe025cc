import { TEXT_CONTEXTS } from '../template/template-engine.js';

/** Where a rule answers: a 1:1 chat, a group, or both. */
export const RULE_SCOPES = ['dm', 'group', 'both'] as const;
export type RuleScope = (typeof RULE_SCOPES)[number];

export const MATCH_KINDS = ['exact', 'contains', 'regex'] as const;
export type MatchKind = (typeof MATCH_KINDS)[number];

/** reply: send the reply; handoff: send the reply and hand the chat to a rep; ask: start a question. */
export const RULE_ACTIONS = ['reply', 'handoff', 'ask'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

/** The multi-step questions an 'ask' rule can start (its actionArg). */
export const ASK_QUESTIONS = ['nps', 'birthday'] as const;
export type AskQuestion = (typeof ASK_QUESTIONS)[number];

/** The variables a rule's reply may use (the template engine's catalogue): the customer's name and the store's name. */
export const RULE_REPLY_VARS = TEXT_CONTEXTS.botReply;

/** A keyword rule of the chat bot, as stored; storeId null applies to every store. */
export interface BotRule {
  id: number;
  storeId: number | null;
  name: string;
  scope: RuleScope;
  matchKind: MatchKind;
  pattern: string;
  priority: number;
  action: RuleAction;
  actionArg: string | null;
  /** A template: {name} and {store} are replaced when it is sent. */
  reply: string;
  cooldownSec: number;
  enabled: boolean;
}

export type NewBotRule = Omit<BotRule, 'id'>;
export type BotRulePatch = Partial<NewBotRule>;

/** One incoming message, as the matcher needs it. `text` is without the @mention of the bot. */
export interface MatchInput {
  storeId: number | null;
  where: 'dm' | 'group';
  text: string;
  /** Whether the bot was @mentioned (groups only). */
  mentioned: boolean;
}

export type { TemplateVars } from '../template/template-engine.js';
