import type { Config } from '../../config/config.js';
import { createSiyu, type Siyu } from '../../main/compose.js';
import { DAY_MS, shanghaiDayStart } from '../../shared/shanghai-time.js';
import type { Logger } from '../../shared/logger.js';
import { AcceleratedClock } from './accelerated-clock.js';
import { adminApi, DemoStepError, landingVisitor, miniProgramApi, type AdminApi, type posClient } from './http-clients.js';
import { nightlyReactivation, nightlyRfm, setUpDemoStore } from './set-up.js';
import { BotQuiet } from './bot-quiet.js';
import { SANDBOX_STAFF } from '../sandbox-mode.js';
import { MockChat, startMockChat } from './mock-chat.js';
import type { Progress } from './progress.js';
import { Rng } from './rng.js';
import { collectSummary, type Driven, type Summary } from './summary.js';
import { COHORT_AGE_DAYS, DEMO_BATCH_KEY, DEMO_DAYS, DEMO_HQ_USERID, DEMO_STORE_CODE, GIVEN, HOUR, HOUR_WEIGHTS, isoShanghai, MIN, PULL, SURNAMES, type DemoChannel as Channel, type Person, type PlannedOrder } from './world.js';

export { DEMO_BATCH_KEY, DEMO_DAYS, DEMO_HQ_USERID, DEMO_STORE_CODE, isoShanghai };

export interface DemoOptions {
  /** Multiplies the traffic (1 = the default size, about a minute on 2 CPUs). */
  scale?: number;
  seed?: number;
  /** The simulated month ends at the Asia/Shanghai midnight starting this instant's day (default: today). */
  endAt?: number;
  progress?: Progress;
  log: Logger;
}

export interface DemoResult {
  summary: Summary;
  /** What the demo itself did, counted on its side: the tests hold the reports against it. */
  driven: Driven;
  /** An unused invite of the demo HQ admin, for logging in to the mini-program by hand. */
  inviteCode: string;
  hqUserId: string;
}

/** Thrown when the database already holds a demo run: the entry explains --fresh. */
export class DemoAlreadyRan extends Error {}

/**
 * The whole loop in accelerated time, through the app's real paths: HTTP on a loopback port,
 * the sandbox WeCom emulator (adds arrive as signed, encrypted callbacks), the bot on the mock
 * puppet, the signed POS API, the mini-program API for reps, and the nightly jobs called as the
 * scheduler would. Customers' behaviour is scripted with a seeded random source.
 */
export async function runDemo(config: Config, o: DemoOptions): Promise<DemoResult> {
  if (!config.sandbox) throw new DemoStepError('the demo runs only in sandbox mode (no WeCom credentials set): it would otherwise message real customers');
  const scale = o.scale ?? 1;
  const rng = new Rng(o.seed ?? 20261125);
  const behave = rng.fork(1);
  const holdoutRng = rng.fork(2);
  const monthStart = shanghaiDayStart(o.endAt ?? Date.now()) - DEMO_DAYS * DAY_MS;
  const cohortStart = monthStart - COHORT_AGE_DAYS * DAY_MS;
  const clock = new AcceleratedClock(cohortStart + 8 * HOUR);
  const siyu = await createSiyu(config, { clock, migrate: true, log: o.log });
  let chat: MockChat | undefined;
  try {
    if (await siyu.db('stores').where({ code: DEMO_STORE_CODE }).first()) throw new DemoAlreadyRan('this database already holds a demo run');
    chat = await startMockChat(siyu);
    return await new Scenario(siyu, clock, chat, { scale, rng, behave, holdoutRng, monthStart, cohortStart, progress: o.progress, log: o.log }).run();
  } finally {
    await chat?.close();
    await siyu.close();
  }
}

class Scenario {
  private readonly api: AdminApi;
  private readonly mp: ReturnType<typeof miniProgramApi>;
  private pos!: ReturnType<typeof posClient>;
  private storeId = 0;
  private channels: Channel[] = [];
  private readonly people: Person[] = [];
  private readonly byCustomer = new Map<number, Person>();
  private orders: PlannedOrder[] = [];
  private orderSeq = 0;
  private readonly quiet: BotQuiet;
  private step = 0;
  private readonly totalSteps: number;
  readonly driven: Driven;

  constructor(
    private readonly siyu: Siyu,
    private readonly clock: AcceleratedClock,
    private readonly chat: MockChat,
    private readonly o: { scale: number; rng: Rng; behave: Rng; holdoutRng: Rng; monthStart: number; cohortStart: number; progress?: Progress; log: Logger },
  ) {
    this.api = adminApi(siyu.url!, siyu.config.adminApiKey);
    this.mp = miniProgramApi(siyu.url!);
    this.quiet = new BotQuiet(siyu, chat, clock);
    // Setup and the cohort day, then per simulated day: two night jobs and 13 hourly slots.
    this.totalSteps = 2 + DEMO_DAYS * 15;
    this.driven = { channels: {}, cohort: 0, adds: 0, inbound: 0, handoffs: new Set(), journeyHeard: { post_purchase: 0, reactivation: 0 }, npsAsked: 0, nps: [], orders: 0, tasksDone: 0 };
  }

  private size(n: number, min = 1): number {
    return Math.max(min, Math.round(n * this.o.scale));
  }

  private tick(label: string): void {
    this.step++;
    this.o.progress?.(this.step, this.totalSteps, label);
  }

  async run(): Promise<DemoResult> {
    await this.quiet.start();
    await this.setUp();
    this.tick('建店、店员、规则、渠道');
    await this.cohortHistory();
    this.tick('老客户（沉睡人群）的历史');
    const m0 = this.o.monthStart;
    for (let day = 0; day < DEMO_DAYS; day++) {
      const midnight = m0 + day * DAY_MS;
      const label = `第 ${day + 1}/${DEMO_DAYS} 天`;
      await this.jump(midnight + 2 * HOUR + 30 * MIN);
      await this.clock.frozen(() => nightlyRfm(this.siyu, this.clock, this.o.log));
      this.tick(`${label} 02:30 RFM`);
      await this.jump(midnight + 3 * HOUR + 30 * MIN);
      await this.clock.frozen(async () => {
        await nightlyReactivation(this.siyu, this.clock, () => this.o.holdoutRng.next(), this.o.log);
        await this.journeysTick();
      });
      await this.quiet.settle();
      this.tick(`${label} 03:30 唤醒`);
      const visitors = day === 0 ? this.size(110, 6) : Math.round(this.size(14, 2) * (0.5 + this.o.rng.next()));
      const direct = day === 0 ? this.size(8) : this.o.rng.chance(0.6 * Math.min(1, this.o.scale)) ? 1 : 0;
      const perHour = this.spread(visitors);
      const directPerHour = this.spread(direct);
      for (let h = 0; h < HOUR_WEIGHTS.length; h++) {
        await this.jump(midnight + (9 + h) * HOUR);
        // Like the jobs role: what fell due in the last hour goes out at the top of the hour.
        await this.clock.frozen(() => this.journeysTick());
        await this.quiet.settle();
        await this.react();
        for (let v = 0; v < perHour[h]!; v++) await this.visitor();
        for (let v = 0; v < directPerHour[h]!; v++) await this.directAdd();
        await this.placeDueOrders();
        if (h === 2) await this.repsWorkTasks();
        await this.quiet.settle();
        this.tick(`${label} ${String(9 + h).padStart(2, '0')}:00`);
      }
    }
    // The month is over: the clock returns to the present, so what comes after (npm start, the
    // mini-program) sees this month as the past one. Nothing more is ticked: the summary is the
    // state at the end of the simulated month.
    await this.jump(Date.now());
    const inviteCode = (await this.api.post(`/api/staff/${DEMO_HQ_USERID}/invites`)).inviteCode as string;
    const summary = await collectSummary(this.siyu, this.api, {
      from: this.o.monthStart,
      to: this.o.monthStart + (DEMO_DAYS - 1) * DAY_MS,
      storeId: this.storeId,
      batchKey: DEMO_BATCH_KEY,
      hq: await this.loginHq(),
    });
    this.driven.inbound = this.chat.sent;
    return { summary, driven: this.driven, inviteCode, hqUserId: DEMO_HQ_USERID };
  }

  private async setUp(): Promise<void> {
    const store = await setUpDemoStore(this.siyu, this.api, () => this.clock.now());
    this.storeId = store.storeId;
    this.pos = store.pos;
    this.channels = store.channels;
    for (const c of this.channels) this.driven.channels[c.name] = { scans: 0, visitors: 0, leads: 0, adds: 0, firstOrders: 0 };
  }

  /**
   * The dormant cohort: people who came through the landing pages five months ago, added a
   * rep, said hello to the bot, and bought a few times (imported as CSV history, which starts
   * no journeys); then went quiet.
   */
  private async cohortHistory(): Promise<void> {
    const n = this.size(100, 10);
    this.driven.cohort = n;
    const perHour = Math.ceil(n / 10);
    for (let i = 0; i < n; i++) {
      if (i % perHour === 0) {
        await this.quiet.settle();
        await this.jump(this.o.cohortStart + (9 + i / perHour) * HOUR);
      }
      const p = this.newPerson(true);
      if (!(await this.viaLanding(p, false))) throw new DemoStepError('a cohort lead was refused as too frequent');
      this.say(p, '你好');
    }
    await this.quiet.settle();
    await this.jump(this.o.cohortStart + 75 * DAY_MS + 10 * HOUR);
    const lines = ['order_no,paid_at,amount_yuan,phone,name,store_id,source'];
    for (const p of this.people) {
      const count = this.o.rng.int(1, 4);
      for (let k = 0; k < count; k++) {
        const at = this.o.cohortStart + this.o.rng.int(1, 70) * DAY_MS + this.o.rng.int(10, 20) * HOUR;
        lines.push([`H${p.who}-${k}`, isoShanghai(at), (this.o.rng.int(40, 900) + 0.5).toFixed(2), p.phone, p.name, this.storeId, 'csv'].join(','));
      }
      // Some would come back on their own during the month: the holdout measures exactly this.
      if (this.o.behave.chance(0.08)) this.plan(p, this.o.monthStart + this.o.behave.int(1, 20) * DAY_MS + this.o.behave.int(10, 20) * HOUR, 'operator');
    }
    const r = await this.api.postText('/api/orders/import?dryRun=false', 'text/csv', lines.join('\n'));
    if (r.failed > 0) throw new DemoStepError(`CSV history: ${r.failed} rows failed: ${JSON.stringify(r.errors).slice(0, 300)}`);
  }

  private newPerson(cohort: boolean): Person {
    const who = this.people.length;
    const name = SURNAMES[this.o.rng.int(0, SURNAMES.length - 1)]! + GIVEN[this.o.rng.int(0, GIVEN.length - 1)]!;
    const channel = this.o.rng.weighted([0, 1, 2, 3, 4, 5], PULL);
    const p: Person = { who, name, phone: `139${String(10_000_000 + who * 7).padStart(8, '0')}`, channel, cohort, ordered: 0 };
    this.people.push(p);
    return p;
  }

  /** Opens the landing page, leaves name and phone, and adds the rep shown on the thanks page. */
  private async viaLanding(p: Person, count: boolean): Promise<boolean> {
    const ch = this.channels[p.channel]!;
    const tally = this.driven.channels[ch.name]!;
    const phone = landingVisitor(this.siyu.url!);
    await phone.open(ch.code);
    const taken = await phone.submit(ch.code, { name: p.name, phone: p.phone });
    if (count) {
      tally.scans++;
      tally.visitors++;
      if (taken) tally.leads++;
    }
    if (!taken) return false;
    // The phone's camera: the thanks page shows the person's own contact-way QR.
    const lead = await this.siyu.db('leads').orderBy('id', 'desc').first('wecom_config_id');
    if (!lead?.wecom_config_id) throw new DemoStepError('the lead got no contact-way QR');
    await this.add(p, lead.wecom_config_id as string, count);
    return true;
  }

  /** The emulator adds the person through a contact way and pushes WeCom's signed callback. */
  private async add(p: Person, configId: string, count: boolean): Promise<void> {
    const scan = await this.siyu.emulator!.customerScans(configId, { name: p.name });
    if (!scan.delivered) throw new DemoStepError('the add callback was not delivered');
    await this.siyu.processor.drain();
    p.externalUserId = scan.externalUserId;
    p.customerId = await this.siyu.customers.findIdByExternalUserId(scan.externalUserId);
    if (!p.customerId) throw new DemoStepError('the add made no customer');
    this.byCustomer.set(p.customerId, p);
    this.chat.customer(p.who, p.name, scan.externalUserId);
    this.driven.adds++;
    if (count) this.driven.channels[this.channels[p.channel]!.name]!.adds++;
  }

  /** A passer-by scans an elevator poster; some leave details, most of those add the rep. */
  private async visitor(): Promise<void> {
    const { rng } = this.o;
    const p = this.newPerson(false);
    const ch = this.channels[p.channel]!;
    const tally = this.driven.channels[ch.name]!;
    if (!rng.chance(0.38)) {
      const phone = landingVisitor(this.siyu.url!);
      await phone.open(ch.code);
      tally.scans++;
      tally.visitors++;
      // Opened twice the same day: two scans, one visitor.
      if (rng.chance(0.15)) {
        await phone.open(ch.code);
        tally.scans++;
      }
      return;
    }
    if (rng.chance(0.78)) {
      if (await this.viaLanding(p, true)) this.newCustomer(p);
      return;
    }
    const phone = landingVisitor(this.siyu.url!);
    await phone.open(ch.code);
    const taken = await phone.submit(ch.code, { name: p.name, phone: p.phone });
    tally.scans++;
    tally.visitors++;
    if (taken) tally.leads++;
  }

  /** Someone adds a rep straight from the channel's own QR (a counter stand), no landing page. */
  private async directAdd(): Promise<void> {
    const p = this.newPerson(false);
    await this.add(p, this.channels[p.channel]!.configId, true);
    this.newCustomer(p);
  }

  /** A new customer's first words to the bot, and whether (and when) they will buy. */
  private newCustomer(p: Person): void {
    const { behave } = this.o;
    if (behave.chance(0.88)) {
      const opener = behave.weighted(['你好', '营业时间是几点？', '门店地址在哪', '有什么优惠吗', '我要找人工', 'twice'], [40, 20, 14, 12, 6, 8]);
      if (opener === 'twice') {
        // Two messages no rule answers: the bot hands the chat to the rep.
        this.say(p, '在吗');
        this.say(p, '想问下那个怎么弄');
        this.driven.handoffs.add(p.who);
      } else {
        this.say(p, opener);
        if (opener === '我要找人工') this.driven.handoffs.add(p.who);
      }
    }
    if (behave.chance(0.42)) this.plan(p, this.slotAt + behave.int(0, 4) * DAY_MS + behave.int(1, 9) * HOUR, 'pos');
  }

  private say(p: Person, text: string): void {
    this.chat.say(p.who, text);
  }

  private plan(p: Person, at: number, via: PlannedOrder['via']): void {
    const end = this.o.monthStart + DEMO_DAYS * DAY_MS - 3 * HOUR;
    if (at >= end) return;
    this.orders.push({ at, who: p.who, amountFen: this.o.behave.int(39, 599) * 100, via });
  }

  /**
   * Orders paid during the last hour, pushed at the top of the hour as a POS batch would be.
   * Times come from the slot, not the running clock, so the same seed places the same orders
   * on the same minutes.
   */
  private async placeDueOrders(): Promise<void> {
    const slot = this.slotAt;
    const due = this.orders.filter((x) => x.at <= slot).sort((a, b) => a.at - b.at || a.who - b.who);
    this.orders = this.orders.filter((x) => x.at > slot);
    for (const o of due) {
      const p = this.people[o.who]!;
      const orderNo = `D${++this.orderSeq}`;
      const paidAt = isoShanghai(slot - this.o.behave.int(1, 59) * MIN);
      if (o.via === 'pos') {
        await this.pos({ orderNo, amountFen: o.amountFen, paidAt, storeId: this.storeId, customer: { externalUserId: p.externalUserId, name: p.name }, items: [{ sku: 'SKU-1', name: '招牌套餐', qty: 1, priceFen: o.amountFen }] });
      } else {
        await this.api.post('/api/orders', { customerId: p.customerId, orderNo, amountFen: o.amountFen, paidAt, storeId: this.storeId });
      }
      this.driven.orders++;
      if (!p.cohort && p.ordered === 0) {
        this.driven.channels[this.channels[p.channel]!.name]!.firstOrders++;
        // Some come back within a few weeks without being asked.
        if (this.o.behave.chance(0.12)) this.plan(p, this.slotAt + this.o.behave.int(5, 20) * DAY_MS, 'pos');
      }
      p.ordered++;
    }
  }

  /** Customers answer what the bot told them since the last hour. */
  private async react(): Promise<void> {
    const { behave } = this.o;
    for (const h of this.chat.takeHeard()) {
      const p = this.people[h.who]!;
      if (/0 到 10/.test(h.text)) {
        // The NPS question is the post-purchase journey's ask step: a delivery of that journey too.
        this.driven.npsAsked++;
        this.driven.journeyHeard.post_purchase++;
        if (behave.chance(0.65)) {
          const score = behave.weighted([10, 9, 8, 7, 6, 5, 3], [30, 26, 18, 10, 7, 5, 4]);
          this.say(p, String(score));
          this.driven.nps.push(score);
        }
      } else if (/感谢.*购买|小贴士/.test(h.text)) {
        this.driven.journeyHeard.post_purchase++;
        if (behave.chance(0.12)) this.say(p, '收到，谢谢！');
      } else if (/快一个月了/.test(h.text)) {
        this.driven.journeyHeard.post_purchase++;
        if (behave.chance(0.3)) this.plan(p, this.slotAt + behave.int(1, 5) * DAY_MS, 'pos');
      } else if (/好久不见/.test(h.text)) {
        this.driven.journeyHeard.reactivation++;
        if (behave.chance(0.3)) this.say(p, '好的，谢谢，有空去看看');
        if (behave.chance(0.32)) this.plan(p, this.slotAt + behave.int(1, 10) * DAY_MS + behave.int(0, 8) * HOUR, 'operator');
      }
    }
  }

  /** Each rep opens the mini-program, works their open tasks; a called high-value customer may come back. */
  private async repsWorkTasks(): Promise<void> {
    for (const rep of SANDBOX_STAFF) {
      const token = await this.mp.login(this.siyu.wechatEmulator!.issueCode(`o-demo-${rep}`), async () => (await this.api.post(`/api/staff/${rep}/invites`)).inviteCode as string);
      const tasks = await this.mp.req('GET', '/tasks?scope=mine&limit=100', { token });
      for (const t of this.inFixedOrder(tasks.items as Array<{ id: number; title: string; status: string; customerId: number | null }>)) {
        if (t.status !== 'open') continue;
        const called = /沉睡/.test(t.title);
        await this.mp.req('POST', `/tasks/${t.id}/complete`, { token, body: { outcome: called ? '已电话回访，已告知回归券' : '已在企业微信回复客户' } });
        this.driven.tasksDone++;
        const p = t.customerId === null ? undefined : this.byCustomer.get(t.customerId);
        if (called && p && this.o.behave.chance(0.4)) this.plan(p, this.slotAt + this.o.behave.int(1, 7) * DAY_MS, 'operator');
      }
    }
  }

  /**
   * A rep's tasks by person, then title, not as the list gives them: the list is by due time
   * then id, and the journey engine creates one night's tasks (all due at the same minute)
   * concurrently, so their ids follow which insert finished first. Each task draws from the
   * seeded source, and the draws must fall on the same people every run.
   */
  private inFixedOrder<T extends { title: string; customerId: number | null }>(tasks: T[]): T[] {
    const who = (t: T) => (t.customerId === null ? undefined : this.byCustomer.get(t.customerId)?.who) ?? Number.MAX_SAFE_INTEGER;
    return [...tasks].sort((a, b) => who(a) - who(b) || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  }

  private async loginHq(): Promise<string> {
    return this.mp.login(this.siyu.wechatEmulator!.issueCode('o-demo-hq-summary'), async () => (await this.api.post(`/api/staff/${DEMO_HQ_USERID}/invites`)).inviteCode as string);
  }

  /** What the jobs role's journeys tick does: new trigger rows, then due runs and touches. */
  private async journeysTick(): Promise<void> {
    await this.siyu.journeys.service.scanTriggers();
    await this.siyu.journeys.engine.tick();
  }

  /** Splits n visitors over the hours of the day by HOUR_WEIGHTS. */
  private spread(n: number): number[] {
    const out = HOUR_WEIGHTS.map(() => 0);
    for (let i = 0; i < n; i++) out[this.o.rng.weighted(HOUR_WEIGHTS.map((_, k) => k), HOUR_WEIGHTS)]!++;
    return out;
  }

  /** The exact time of the current slot (the clock runs on from it while the slot's work goes on). */
  private slotAt = 0;

  private async jump(at: number): Promise<void> {
    const carry = await this.chat.lockCarrier();
    this.clock.jumpTo(at);
    this.slotAt = at;
    carry();
  }
}
