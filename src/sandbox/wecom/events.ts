import type { Clock } from '../../shared/clock.js';
import { buildXml } from '../../integrations/wecom/xml.js';
import { CallbackDriver, type CallbackConfig, type DeliveryReport, type UrlVerification } from './callback-driver.js';
import { EmulatorLookups } from './lookups.js';
import { seconds } from './validate.js';
import {
  changeTagLibrary,
  contactEvent,
  createGroup,
  dismissGroup,
  editRelationship,
  joinGroup,
  quitGroup,
  renameGroup,
  requireRelationship,
  scanContactWay,
  groupCreatedEvent,
  type EmployeeEdit,
  type ExternalUserInput,
  type GroupInput,
  type InnerEvent,
  type JoinOptions,
  type TagChangeKind,
  type TagChangeOptions,
} from './world-events.js';

export interface EventContext {
  corpId: string;
  clock: Clock;
  log: (line: string) => void;
}

export type ScanReport = DeliveryReport & {
  externalUserId: string;
  userid: string;
  welcomeCode?: string;
  /** the add_half_external_contact delivery, when the way has skip_verify false */
  half?: DeliveryReport;
};

export type TransferFailReason = 'customer_refused' | 'customer_limit_exceed';

/**
 * The emulator's push side: what happens in WeCom's world (a scan, an edit, a group change, a
 * console change to the tag library) changes the state and is delivered to the app's callback
 * with WeCom's semantics (signed, encrypted, retried). The HTTP API side is emulator.ts.
 */
export abstract class EmulatorEvents extends EmulatorLookups {
  readonly deliveries: DeliveryReport[] = [];
  protected driver?: CallbackDriver;
  protected abstract get eventContext(): EventContext;

  /**
   * Points the push side at the app's callback endpoint. Sandbox mode calls this once the
   * app's server has its port; deliveries still in flight to the old target are aborted.
   */
  setCallback(cfg: CallbackConfig): void {
    this.driver?.close();
    this.driver = new CallbackDriver(this.eventContext.corpId, cfg, this.eventContext.clock, this.eventContext.log);
  }

  private requireDriver(): CallbackDriver {
    if (!this.driver) throw new Error('emulator has no callback configured');
    return this.driver;
  }

  async verifyUrl(): Promise<UrlVerification> {
    return this.requireDriver().verifyUrl();
  }

  /** Pushes any inner event with WeCom's delivery semantics; header fields are filled in. */
  async push(event: InnerEvent, opts: { duplicate?: number; url?: string } = {}): Promise<DeliveryReport> {
    const driver = this.requireDriver();
    const plaintext = buildXml({
      ToUserName: this.eventContext.corpId,
      FromUserName: 'sys',
      CreateTime: seconds(this.eventContext.clock.now()),
      MsgType: 'event',
      ...event,
    });
    const report = await driver.deliver(plaintext, opts);
    this.deliveries.push(report);
    return report;
  }

  /**
   * Delivers an earlier plaintext again (fresh timestamp, nonce and ciphertext), as WeCom does
   * when it believes a delivery failed; e.g. `redeliver(report.plaintext)`.
   */
  async redeliver(plaintext: string, opts: { duplicate?: number; url?: string } = {}): Promise<DeliveryReport> {
    const report = await this.requireDriver().deliver(plaintext, opts);
    this.deliveries.push(report);
    return report;
  }

  /**
   * A customer scans a contact way. With skip_verify false, add_half_external_contact goes
   * first and carries the WelcomeCode; the add event repeats it only while it is unused
   * (doc §3.1: no code once a welcome went out via the half-add code).
   */
  async customerScans(configId: string, externalUser?: ExternalUserInput, opts: { duplicate?: number } = {}): Promise<ScanReport> {
    this.requireDriver();
    const scan = scanContactWay(this.state, this.eventContext.clock.now(), configId, externalUser);
    const fields = { State: scan.way.state, WelcomeCode: scan.welcomeCode };
    let half: DeliveryReport | undefined;
    if (!scan.way.skipVerify) {
      half = await this.push(contactEvent('add_half_external_contact', scan.userid, scan.externalUserId, fields), opts);
    }
    const unused = scan.welcomeCode !== undefined && this.state.welcomeCodes.get(scan.welcomeCode)?.usedAt === undefined;
    const report = await this.push(
      contactEvent('add_external_contact', scan.userid, scan.externalUserId, { ...fields, WelcomeCode: unused ? scan.welcomeCode : undefined }),
      opts,
    );
    return { ...report, externalUserId: scan.externalUserId, userid: scan.userid, welcomeCode: scan.welcomeCode, half };
  }

  async employeeEdits(userid: string, externalUserId: string, edit?: EmployeeEdit, opts?: { duplicate?: number }): Promise<DeliveryReport> {
    this.requireDriver();
    return this.push(editRelationship(this.state, userid, externalUserId, edit), opts);
  }

  /** The employee deleted the customer; `byTransfer` marks removal by an in-service transfer. */
  async employeeDeletes(userid: string, externalUserId: string, opts: { byTransfer?: boolean; duplicate?: number } = {}): Promise<DeliveryReport> {
    this.requireDriver();
    requireRelationship(this.state, userid, externalUserId);
    this.state.deleteRelationship(userid, externalUserId);
    const source = opts.byTransfer ? { Source: 'DELETE_BY_TRANSFER' } : {};
    return this.push(contactEvent('del_external_contact', userid, externalUserId, source), opts);
  }

  /** The customer deleted the employee. */
  async customerDeletes(userid: string, externalUserId: string, opts?: { duplicate?: number }): Promise<DeliveryReport> {
    this.requireDriver();
    requireRelationship(this.state, userid, externalUserId);
    this.state.deleteRelationship(userid, externalUserId);
    return this.push(contactEvent('del_follow_user', userid, externalUserId), opts);
  }

  /** A customer transfer to `userid` (the taking-over employee) failed; nothing changes hands. */
  async transferFails(userid: string, externalUserId: string, reason: TransferFailReason, opts?: { duplicate?: number }): Promise<DeliveryReport> {
    this.requireDriver();
    return this.push(contactEvent('transfer_fail', userid, externalUserId, { FailReason: reason }), opts);
  }

  async groupCreate(input: GroupInput, opts?: { duplicate?: number }): Promise<DeliveryReport & { chatId: string }> {
    this.requireDriver();
    const chat = createGroup(this.state, this.eventContext.clock.now(), input);
    return { ...(await this.push(groupCreatedEvent(chat.chatId), opts)), chatId: chat.chatId };
  }

  /** Members join; scene 0 = invited (direct or link), 3 = scanned the group QR. */
  async groupJoin(chatId: string, users: string[], scene: 0 | 3 = 0, opts: JoinOptions & { duplicate?: number } = {}): Promise<DeliveryReport> {
    this.requireDriver();
    return this.push(joinGroup(this.state, this.eventContext.clock.now(), chatId, users, scene, opts), opts);
  }

  /** Members leave; scene 0 = left by themselves, 1 = removed by the owner or an admin. */
  async groupQuit(chatId: string, users: string[], scene: 0 | 1 = 0, opts?: { duplicate?: number }): Promise<DeliveryReport> {
    this.requireDriver();
    return this.push(quitGroup(this.state, chatId, users, scene), opts);
  }

  async groupDismiss(chatId: string, opts?: { duplicate?: number }): Promise<DeliveryReport> {
    this.requireDriver();
    return this.push(dismissGroup(this.state, chatId), opts);
  }

  async groupRename(chatId: string, name: string, opts?: { duplicate?: number }): Promise<DeliveryReport> {
    this.requireDriver();
    return this.push(renameGroup(this.state, chatId, name), opts);
  }

  /** An admin changes the corp tag library in the console; the state changes and the event is pushed. */
  async tagLibraryChange(kind: TagChangeKind, opts: TagChangeOptions & { duplicate?: number } = {}): Promise<DeliveryReport & { id: string }> {
    this.requireDriver();
    const { id, event } = changeTagLibrary(this.state, this.eventContext.clock.now(), kind, opts);
    return { ...(await this.push(event, opts)), id };
  }
}
