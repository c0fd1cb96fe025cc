import type { Knex } from 'knex';
import * as m0100 from './20261124000100_stores.js';
import * as m0200 from './20261124000200_staff.js';
import * as m0300 from './20261124000300_channels.js';
import * as m0400 from './20261124000400_customers.js';
import * as m0500 from './20261124000500_customer_identities.js';
import * as m0600 from './20261124000600_tags.js';
import * as m0700 from './20261124000700_customer_tags.js';
import * as m0800 from './20261124000800_customer_follows.js';
import * as m0900 from './20261124000900_callback_events.js';
import * as m1000 from './20261124001000_customer_events.js';
import * as m1100 from './20261124001100_scans.js';
import * as m1200 from './20261124001200_leads.js';
import * as m1300 from './20261124001300_consents.js';
import * as m1400 from './20261124001400_coupon_claims.js';
import * as m1500 from './20261124001500_customer_merges.js';
import * as m1600 from './20261124001600_media_assets.js';

/** Every migration in order. Append only: a landed migration is never edited. */
export const migrations: Array<{ name: string; module: Knex.Migration }> = [
  { name: '20261124000100_stores', module: m0100 },
  { name: '20261124000200_staff', module: m0200 },
  { name: '20261124000300_channels', module: m0300 },
  { name: '20261124000400_customers', module: m0400 },
  { name: '20261124000500_customer_identities', module: m0500 },
  { name: '20261124000600_tags', module: m0600 },
  { name: '20261124000700_customer_tags', module: m0700 },
  { name: '20261124000800_customer_follows', module: m0800 },
  { name: '20261124000900_callback_events', module: m0900 },
  { name: '20261124001000_customer_events', module: m1000 },
  { name: '20261124001100_scans', module: m1100 },
  { name: '20261124001200_leads', module: m1200 },
  { name: '20261124001300_consents', module: m1300 },
  { name: '20261124001400_coupon_claims', module: m1400 },
  { name: '20261124001500_customer_merges', module: m1500 },
  { name: '20261124001600_media_assets', module: m1600 },
];
