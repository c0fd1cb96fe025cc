import type { Stage } from './customer.types.js';

/** What people read for a lifecycle stage (exports, bot answers); the codes stay in the API. */
export const STAGE_LABELS: Record<Stage, string> = { lead: '线索', new: '新客', repeat: '复购', dormant: '沉睡', reactivated: '已唤醒', churned: '流失' };

export const stageLabel = (stage: string): string => (Object.hasOwn(STAGE_LABELS, stage) ? STAGE_LABELS[stage as Stage] : '未知阶段');
