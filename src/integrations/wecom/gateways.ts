import type { ContactDetail, ContactGateway } from '../../domain/acquisition/acquisition.ports.js';
import type { ContactWayGateway } from '../../domain/channel/channel.ports.js';
import type { CorpTagGateway } from '../../domain/tag/tag.ports.js';
import { tagKey, type TagRef } from '../../domain/tag/tag.types.js';
import type { WecomContactApi } from './contact-api.js';

/** Adapters from the domain's ports to the WeCom customer-contact API. */
export class WecomGateways implements ContactGateway, ContactWayGateway, CorpTagGateway {
  constructor(private readonly api: WecomContactApi) {}

  async getContact(externalUserId: string, deadline: number): Promise<ContactDetail> {
    const c = await this.api.getExternalContact(externalUserId, deadline);
    return { name: c.name, avatar: c.avatar, gender: c.gender, unionid: c.unionid };
  }

  sendWelcome(p: { welcomeCode: string; text: string; link?: { title: string; url: string; desc?: string; picurl?: string }; deadline: number }): Promise<void> {
    return this.api.sendWelcome({ welcomeCode: p.welcomeCode, text: p.text, deadline: p.deadline, attachments: p.link ? [{ msgtype: 'link', link: p.link }] : [] });
  }

  markTag(p: { userid: string; externalUserId: string; add: string[] }): Promise<void> {
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
