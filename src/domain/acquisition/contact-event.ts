/** A WeCom `change_external_contact` event, as the domain sees it (wecom-protocol.md §3.1). */
export interface ContactEvent {
  changeType: string;
  userId: string;
  externalUserId: string;
  state?: string;
  welcomeCode?: string;
  /** del_external_contact: DELETE_BY_TRANSFER when removed by an in-service transfer. */
  source?: string;
  /** transfer_fail: customer_refused | customer_limit_exceed */
  failReason?: string;
  createTime: number;
}

export const CONTACT_CHANGE_TYPES = [
  'add_external_contact',
  'add_half_external_contact',
  'edit_external_contact',
  'del_external_contact',
  'del_follow_user',
  'transfer_fail',
  'msg_audit_approved',
] as const;
