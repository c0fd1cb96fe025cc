import type { ContactDetail, ContactGateway, WelcomeAttachment } from '../../domain/acquisition/acquisition.ports.js';
import type { ContactWayGateway } from '../../domain/channel/channel.ports.js';
import type { CorpTagGateway } from '../../domain/tag/tag.ports.js';
import type { MediaUploader } from '../../domain/media/media.service.js';
import { tagKey, type TagRef } from '../../domain/tag/tag.types.js';
import type { WecomContactApi } from './contact-api.js';

/** Adapters from the domain's ports to the WeCom customer-contact API. */
export class WecomGateways implements ContactGateway, ContactWayGateway, CorpTagGateway, MediaUploader {
  constructor(private readonly api: WecomContactApi) {}

  async getContact(externalUserId: string, deadline: number): Promise<ContactDetail> {
    const c = await this.api.getExternalContact(externalUserId, deadline);
    return { name: c.name, avatar: c.avatar, gender: c.gender, unionid: c.unionid };
  }

  sendWelcome(p: { welcomeCode: string; text: string; attachments: WelcomeAttachment[]; deadline: number }): Promise<void> {
    return this.api.sendWelcome({
      welcomeCode: p.welcomeCode,
      text: p.text,
      deadline: p.deadline,
      attachments: p.attachments.map((a) => {
        switch (a.kind) {
          case 'link':
            return { msgtype: 'link' as const, link: { title: a.title, url: a.url, desc: a.desc, picurl: a.picurl } };
          case 'image':
            return { msgtype: 'image' as const, image: { media_id: a.mediaId } };
          case 'miniprogram':
            return { msgtype: 'miniprogram' as const, miniprogram: { title: a.title, pic_media_id: a.picMediaId, appid: a.appid, page: a.page } };
        }
      }),
    });
  }

  uploadImage(p: { bytes: Buffer; contentType: string; filename: string }): Promise<string> {
    return this.api.uploadImage(p);
  }

  markTag(p: { userid: string; externalUserId: string; add: string[]; remove?: string[] }): Promise<void> {
    return this.api.markTag(p);
  }

  addContactWay(p: { userids: string[]; state: string; remark: string }): Promise<{ configId: string; qrCode: string }> {
    return this.api.addContactWay(p);
  }

  updateContactWay(p: { configId: string; userids: string[]; remark: string }): Promise<void> {
    return this.api.updateContactWay(p);
  }

  async ensureCorpTags(refs: TagRef[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const library = await this.api.listCorpTags();
    const byGroup = new Map<string, TagRef[]>();
    for (const r of refs) byGroup.set(r.group, [...(byGroup.get(r.group) ?? []), r]);
    for (const [group, wanted] of byGroup) {
      const existing = library.find((g) => g.groupName === group);
      const have = new Map((existing?.tags ?? []).map((t) => [t.name, t.id]));
      const missing = wanted.filter((w) => !have.has(w.name)).map((w) => w.name);
      if (missing.length) {
        const created = existing ? await this.api.addTagsToGroup(existing.groupId, missing) : await this.api.addCorpTags(group, missing);
        for (const [name, id] of created) have.set(name, id);
      }
      for (const w of wanted) {
        const id = have.get(w.name);
        if (id) out.set(tagKey(w), id);
      }
    }
    return out;
  }
}
