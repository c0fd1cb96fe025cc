import { notFound } from '../../shared/errors.js';
import { operatorMayEdit } from '../tag/tag.types.js';
import type { CustomerRepo } from './customer.ports.js';
import type { CustomerView } from './customer.types.js';

export class CustomerService {
  constructor(private readonly d: { customers: CustomerRepo; corpId: string }) {}

  async findIdByExternalUserId(externalUserId: string): Promise<number | undefined> {
    return (await this.d.customers.findCustomerByIdentity('wecom_external', this.d.corpId, externalUserId))?.id;
  }

  /** A customer with tags, relationships to reps and the newest timeline entries. */
  async view(id: number, timelineLimit = 100): Promise<CustomerView> {
    const c = await this.d.customers.findCustomer(id);
    if (!c) throw notFound('CUSTOMER.NOT_FOUND', '客户不存在');
    const [tags, follows, timeline] = await Promise.all([
      this.d.customers.listCustomerTags(id),
      this.d.customers.listFollows(id),
      this.d.customers.listTimeline(id, timelineLimit),
    ]);
    return { ...c, tags: tags.map((t) => ({ id: t.id, group: t.group, name: t.name, kind: t.kind, removable: operatorMayEdit(t) })), follows, timeline };
  }
}
