import { AppError } from '../../shared/errors.js';
import type { WecomClient, WecomResponse } from './api-client.js';

/** WeCom accepts at most this many group chats in one join way (wecom-protocol.md §4.9). */
export const MAX_JOIN_WAY_CHATS = 5;

/** What a 「加入群聊」 join way is made of; update_join_way overwrites all of it. */
export interface JoinWaySpec {
  /** 1 mini-program plugin, 2 QR code (default). */
  scene?: 1 | 2;
  /** Shown to admins only; WeCom truncates it at 30 characters. */
  remark?: string;
  /** When every listed group is full (by WeCom's own limit), WeCom creates a new one. Default true. */
  autoCreateRoom?: boolean;
  /** Name prefix of auto-created groups (≤40 characters). */
  roomBaseName?: string;
  /** Starting sequence number of auto-created groups. */
  roomBaseId?: number;
  /** 1..5 WeCom chat ids, filled in this order. */
  chatIds: string[];
  /** Returned per member by groupchat/get (≤30 characters). */
  state?: string;
}

export interface JoinWay extends Required<Pick<JoinWaySpec, 'scene' | 'remark' | 'autoCreateRoom' | 'chatIds' | 'state'>> {
  configId: string;
  roomBaseName?: string;
  roomBaseId?: number;
  /** Only for scene 2. */
  qrCode?: string;
}

interface JoinWayJson {
  config_id: string;
  scene: 1 | 2;
  remark?: string;
  auto_create_room?: 0 | 1;
  room_base_name?: string;
  room_base_id?: number;
  chat_id_list?: string[];
  qr_code?: string;
  state?: string;
}

const toBody = (s: JoinWaySpec) => {
  if (s.chatIds.length === 0 || s.chatIds.length > MAX_JOIN_WAY_CHATS) {
    throw new AppError('WECOM.JOIN_WAY_CHATS', `加入群聊配置需包含 1 到 ${MAX_JOIN_WAY_CHATS} 个群`, { status: 400 });
  }
  return {
    scene: s.scene ?? 2,
    remark: s.remark === undefined ? undefined : [...s.remark].slice(0, 30).join(''),
    auto_create_room: s.autoCreateRoom === false ? 0 : 1,
    room_base_name: s.roomBaseName === undefined ? undefined : [...s.roomBaseName].slice(0, 40).join(''),
    room_base_id: s.roomBaseId,
    chat_id_list: s.chatIds,
    state: s.state,
  };
};

/**
 * Customer-group 「加入群聊」 join ways (groupchat/*_join_way, wecom-protocol.md §4.9), called
 * with the customer-contact secret. This is the official way to get a group QR code; errors
 * are WecomApiError from the client (transient ones already retried there).
 */
export class GroupChatApi {
  constructor(private readonly client: WecomClient) {}

  /** Creates a join way and returns its config_id (the QR comes from getJoinWay). */
  async addJoinWay(spec: JoinWaySpec): Promise<string> {
    const r = await this.client.call<WecomResponse & { config_id: string }>('/cgi-bin/externalcontact/groupchat/add_join_way', { body: toBody(spec) });
    return r.config_id;
  }

  async getJoinWay(configId: string): Promise<JoinWay> {
    const r = await this.client.call<WecomResponse & { join_way: JoinWayJson }>('/cgi-bin/externalcontact/groupchat/get_join_way', {
      body: { config_id: configId },
    });
    const w = r.join_way;
    return {
      configId: w.config_id,
      scene: w.scene,
      remark: w.remark ?? '',
      autoCreateRoom: w.auto_create_room !== 0,
      roomBaseName: w.room_base_name,
      roomBaseId: w.room_base_id,
      chatIds: w.chat_id_list ?? [],
      qrCode: w.qr_code || undefined,
      state: w.state ?? '',
    };
  }

  /** Overwrites the join way with `spec`; the QR code stays the same. */
  async updateJoinWay(configId: string, spec: JoinWaySpec): Promise<void> {
    await this.client.call('/cgi-bin/externalcontact/groupchat/update_join_way', { body: { config_id: configId, ...toBody(spec) } });
  }

  async delJoinWay(configId: string): Promise<void> {
    await this.client.call('/cgi-bin/externalcontact/groupchat/del_join_way', { body: { config_id: configId } });
  }
}
