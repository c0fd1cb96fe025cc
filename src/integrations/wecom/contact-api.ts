import type { WecomClient, WecomResponse } from './api-client.js';

/** Typed wrappers over the customer-contact endpoints Siyu uses (wecom-protocol.md §4). */

export interface ExternalContactDetail {
  externalUserId: string;
  name: string;
  avatar?: string;
  type: number;
  gender: number;
  unionid?: string;
  followUsers: Array<{ userid: string; state?: string; addWay?: number; createtime?: number; tagIds: string[] }>;
}

export interface WelcomeAttachment {
  msgtype: 'image' | 'link' | 'miniprogram' | 'video' | 'file';
  [k: string]: unknown;
}

export class WecomContactApi {
  constructor(private readonly client: WecomClient) {}

  async addContactWay(p: { userids: string[]; state: string; remark?: string; skipVerify?: boolean }): Promise<{ configId: string; qrCode: string }> {
    const r = await this.client.call<WecomResponse & { config_id: string; qr_code: string }>('/cgi-bin/externalcontact/add_contact_way', {
      body: {
        type: p.userids.length === 1 ? 1 : 2,
        scene: 2,
        state: p.state,
        remark: p.remark?.slice(0, 30),
        skip_verify: p.skipVerify ?? true,
        user: p.userids,
      },
    });
    return { configId: r.config_id, qrCode: r.qr_code };
  }

  async updateContactWay(p: { configId: string; userids: string[]; remark?: string }): Promise<void> {
    await this.client.call('/cgi-bin/externalcontact/update_contact_way', {
      body: { config_id: p.configId, user: p.userids, remark: p.remark?.slice(0, 30) },
    });
  }

  async getExternalContact(externalUserId: string, deadline?: number): Promise<ExternalContactDetail> {
    const r = await this.client.call<
      WecomResponse & {
        external_contact: { external_userid: string; name?: string; avatar?: string; type?: number; gender?: number; unionid?: string };
        follow_user?: Array<{ userid: string; state?: string; add_way?: number; createtime?: number; tags?: Array<{ tag_id?: string }> }>;
      }
    >('/cgi-bin/externalcontact/get', { query: { external_userid: externalUserId }, deadline });
    const c = r.external_contact;
    return {
      externalUserId: c.external_userid,
      name: c.name ?? '',
      avatar: c.avatar,
      type: c.type ?? 1,
      gender: c.gender ?? 0,
      unionid: c.unionid || undefined,
      followUsers: (r.follow_user ?? []).map((f) => ({
        userid: f.userid,
        state: f.state,
        addWay: f.add_way,
        createtime: f.createtime,
        tagIds: (f.tags ?? []).map((t) => t.tag_id).filter((x): x is string => !!x),
      })),
    };
  }

  /** One attempt chain bounded by the welcome window; 41096 (another app sending) is retried. */
  async sendWelcome(p: { welcomeCode: string; text: string; attachments?: WelcomeAttachment[]; deadline: number }): Promise<void> {
    await this.client.call('/cgi-bin/externalcontact/send_welcome_msg', {
      body: { welcome_code: p.welcomeCode, text: { content: p.text }, attachments: p.attachments ?? [] },
      deadline: p.deadline,
    });
  }

  /** Temporary media (valid 3 days): returns the media_id. */
  async uploadImage(p: { bytes: Buffer; contentType: string; filename: string }): Promise<string> {
    const r = await this.client.call<WecomResponse & { media_id: string }>('/cgi-bin/media/upload', {
      query: { type: 'image' },
      file: { field: 'media', filename: p.filename, contentType: p.contentType, bytes: p.bytes },
    });
    return r.media_id;
  }

  /**
   * A mass message (群发) to customers through a rep: WeCom creates a task the rep confirms in
   * their client; nothing is sent before that. Returns the msgid and the customers WeCom refused.
   */
  async addMsgTemplate(p: { sender: string; externalUserIds: string[]; text: string }): Promise<{ msgid: string; failList: string[] }> {
    const r = await this.client.call<WecomResponse & { msgid: string; fail_list?: string[] }>('/cgi-bin/externalcontact/add_msg_template', {
      body: { chat_type: 'single', external_userid: p.externalUserIds, sender: p.sender, text: { content: p.text } },
      // No idempotency key: a lost answer is not retried here (it may have created the task).
      retryTransport: false,
    });
    return { msgid: r.msgid, failList: r.fail_list ?? [] };
  }

  /**
   * Mass messages to customers (chat_type single) created in [startSec, endSec] (a month at
   * most), every page read. `creator` is absent on messages created through the API (doc 93338
   * as quoted by the SDKs); `create_time` is a number or a numeric string depending on the source.
   */
  async listGroupMsgs(p: { startSec: number; endSec: number; filterType: 0 | 1 | 2 }): Promise<Array<{ msgid: string; creator: string | null; createTime: number; createType: number; text: string | null }>> {
    type Row = { msgid: string; creator?: string; create_time: number | string; create_type: number; text?: { content?: string } };
    const out: Array<{ msgid: string; creator: string | null; createTime: number; createType: number; text: string | null }> = [];
    let cursor: string | undefined;
    do {
      const r = await this.client.call<WecomResponse & { group_msg_list?: Row[]; next_cursor?: string }>('/cgi-bin/externalcontact/get_groupmsg_list_v2', {
        body: { chat_type: 'single', start_time: p.startSec, end_time: p.endSec, filter_type: p.filterType, limit: 100, ...(cursor ? { cursor } : {}) },
      });
      for (const m of r.group_msg_list ?? []) out.push({ msgid: m.msgid, creator: m.creator || null, createTime: Number(m.create_time), createType: m.create_type, text: m.text?.content ?? null });
      cursor = r.next_cursor || undefined;
    } while (cursor);
    return out;
  }

  /** The senders of a mass message and whether each confirmed it (task status 2 = sent), every page read. */
  async getGroupMsgTasks(msgid: string): Promise<Array<{ userid: string; status: number; sendTime: number | null }>> {
    const out: Array<{ userid: string; status: number; sendTime: number | null }> = [];
    let cursor: string | undefined;
    do {
      const r = await this.client.call<WecomResponse & { task_list?: Array<{ userid: string; status: number; send_time?: number }>; next_cursor?: string }>(
        '/cgi-bin/externalcontact/get_groupmsg_task',
        { body: { msgid, limit: 1000, ...(cursor ? { cursor } : {}) } },
      );
      for (const x of r.task_list ?? []) out.push({ userid: x.userid, status: x.status, sendTime: x.send_time ?? null });
      cursor = r.next_cursor || undefined;
    } while (cursor);
    return out;
  }

  /** Per recipient of one sender's part of a mass message: 0 not sent, 1 sent, 2 not a friend, 3 receive cap reached. */
  async getGroupMsgSendResult(msgid: string, userid: string): Promise<Array<{ externalUserId: string; status: number; sendTime: number | null }>> {
    const out: Array<{ externalUserId: string; status: number; sendTime: number | null }> = [];
    let cursor: string | undefined;
    do {
      const r = await this.client.call<WecomResponse & { send_list?: Array<{ external_userid?: string; chat_id?: string; status: number; send_time?: number }>; next_cursor?: string }>(
        '/cgi-bin/externalcontact/get_groupmsg_send_result',
        { body: { msgid, userid, limit: 1000, ...(cursor ? { cursor } : {}) } },
      );
      for (const x of r.send_list ?? []) out.push({ externalUserId: x.external_userid ?? x.chat_id ?? '', status: x.status, sendTime: x.send_time ?? null });
      cursor = r.next_cursor || undefined;
    } while (cursor);
    return out;
  }

  async markTag(p: { userid: string; externalUserId: string; add: string[]; remove?: string[] }): Promise<void> {
    await this.client.call('/cgi-bin/externalcontact/mark_tag', {
      body: { userid: p.userid, external_userid: p.externalUserId, add_tag: p.add, remove_tag: p.remove ?? [] },
    });
  }

  /** Creates tags in a group (by name); returns name → WeCom tag id. */
  async addCorpTags(groupName: string, names: string[]): Promise<Map<string, string>> {
    const r = await this.client.call<WecomResponse & { tag_group: { group_id: string; tag: Array<{ id: string; name: string }> } }>(
      '/cgi-bin/externalcontact/add_corp_tag',
      { body: { group_name: groupName, tag: names.map((name) => ({ name })) } },
    );
    return new Map(r.tag_group.tag.map((t) => [t.name, t.id]));
  }

  async listCorpTags(): Promise<Array<{ groupId: string; groupName: string; tags: Array<{ id: string; name: string }> }>> {
    const r = await this.client.call<
      WecomResponse & { tag_group: Array<{ group_id: string; group_name: string; tag: Array<{ id: string; name: string; deleted?: boolean }> }> }
    >('/cgi-bin/externalcontact/get_corp_tag_list', { body: {} });
    return r.tag_group.map((g) => ({ groupId: g.group_id, groupName: g.group_name, tags: g.tag.filter((t) => !t.deleted).map((t) => ({ id: t.id, name: t.name })) }));
  }

  /** Adds tags into an existing group. */
  async addTagsToGroup(groupId: string, names: string[]): Promise<Map<string, string>> {
    const r = await this.client.call<WecomResponse & { tag_group: { group_id: string; tag: Array<{ id: string; name: string }> } }>(
      '/cgi-bin/externalcontact/add_corp_tag',
      { body: { group_id: groupId, tag: names.map((name) => ({ name })) } },
    );
    return new Map(r.tag_group.tag.map((t) => [t.name, t.id]));
  }
}
