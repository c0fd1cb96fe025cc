import type { AlertRulesConfig, AlertSnapshot, Finding } from './alert.types.js';

/**
 * The rules: pure functions from a snapshot and thresholds to what is firing now. A rule
 * returns no finding when its condition does not hold (that is what resolves an alert), so
 * every rule needs a minimum count or baseline to keep a quiet system from alerting.
 */
type Rule = (s: AlertSnapshot, c: AlertRulesConfig) => Finding[];

const pct = (r: number) => `${Math.round(r * 100)}%`;
const minutes = (ms: number) => Math.max(0, Math.floor(ms / 60_000));

/** Asia/Shanghai wall time, MM-DD HH:mm (admins read it in WeCom). */
export function shanghaiStamp(ms: number): string {
  const d = new Date(ms + 8 * 3600_000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`;
}

const callbackFailures: Rule = (s, c) => {
  const r = c.callbackFailures;
  const { total, failed } = s.callbacks;
  if (!r.enabled || failed < r.minCount || failed / Math.max(total, 1) < r.maxRatio) return [];
  return [{ rule: 'callback_failures', subject: 'all', title: '企业微信回调处理失败率过高', detail: `近${s.windowMin}分钟回调 ${total} 次，失败 ${failed} 次（${pct(failed / Math.max(total, 1))}）。企业微信重试 3 次后会放弃，请检查回调 Token/EncodingAESKey、数据库与服务日志` }];
};

const wecomIpBlocked: Rule = (s, c) => {
  const n = s.wecom.byErrcode['60020'] ?? 0;
  if (!c.wecomIpBlocked.enabled || n < c.wecomIpBlocked.minCount) return [];
  return [{ rule: 'wecom_ip_blocked', subject: '60020', title: '企业微信接口拒绝本服务器 IP（60020）', detail: `近${s.windowMin}分钟 ${n} 次调用返回 60020，请在企业微信管理后台把服务器出口 IP 加入应用的「企业可信IP」` }];
};

const wecomTokenInvalid: Rule = (s, c) => {
  const n = (s.wecom.byErrcode['40001'] ?? 0) + (s.wecom.byErrcode['42001'] ?? 0);
  if (!c.wecomTokenInvalid.enabled || n < c.wecomTokenInvalid.minCount) return [];
  return [{ rule: 'wecom_token_invalid', subject: 'token', title: '企业微信 access_token 持续无效（40001/42001）', detail: `近${s.windowMin}分钟 ${n} 次调用返回 40001/42001，刷新令牌后仍未恢复，请检查应用 Secret 是否被重置` }];
};

const sendFailures: Rule = (s, c) => {
  const r = c.sendFailures;
  const { sent, failed } = s.sends;
  const ratio = failed / Math.max(sent + failed, 1);
  if (!r.enabled || failed < r.minCount || ratio < r.maxRatio) return [];
  return [{ rule: 'send_failures', subject: 'outbox', title: '机器人消息发送失败率过高', detail: `近${s.windowMin}分钟发送成功 ${sent} 条，最终失败 ${failed} 条（${pct(ratio)}）` }];
};

const jobStale: Rule = (s, c) => {
  const r = c.jobStale;
  if (!r.enabled) return [];
  return s.jobs.flatMap((j) => {
    const allowedMs = j.everyMs * r.factor + r.graceMin * 60_000;
    const since = j.run?.lastOkAt ?? j.run?.registeredAt;
    // A job no scheduler has listed yet cannot be late.
    if (since === undefined || s.now - since < allowedMs) return [];
    const last = j.run?.lastOkAt ? `上次成功：${shanghaiStamp(j.run.lastOkAt)}` : '从未成功运行';
    const failed = j.run?.lastFailedAt && j.run.lastFailedAt > since ? `；最近一次失败：${shanghaiStamp(j.run.lastFailedAt)}（${j.run.lastError ?? '未知错误'}）` : '';
    return [{ rule: 'job_stale' as const, subject: j.name, title: `定时任务 ${j.name} 未按时运行`, detail: `已 ${minutes(s.now - since)} 分钟没有成功运行（应每 ${Math.max(1, Math.round(j.everyMs / 60_000))} 分钟内运行一次），${last}${failed}。请检查 jobs 进程` }];
  });
};

const STATE_NAMES: Record<string, string> = { starting: '启动中', waiting_scan: '等待扫码登录', logged_in: '已登录', logged_out: '已退出登录' };

const botLoggedOut: Rule = (s, c) => {
  const r = c.botLoggedOut;
  const st = s.bot.status;
  // No report at all: this deployment has not run a bot yet; nothing to compare with.
  if (!r.enabled || !st) return [];
  const base = { rule: 'bot_logged_out' as const, subject: s.bot.account, title: `机器人账号 ${s.bot.account} 不在线` };
  if (s.now - st.seenAt >= r.heartbeatStaleMin * 60_000) {
    return [{ ...base, detail: `机器人进程已 ${minutes(s.now - st.seenAt)} 分钟没有上报状态（最后状态：${STATE_NAMES[st.state] ?? st.state}），自动消息暂停发送，请检查 bot 进程` }];
  }
  if (st.state !== 'logged_in' && s.now - st.since >= r.graceMin * 60_000) {
    return [{ ...base, detail: `状态为「${STATE_NAMES[st.state] ?? st.state}」已 ${minutes(s.now - st.since)} 分钟，自动消息暂停发送，请尽快扫码登录` }];
  }
  return [];
};

const outboxBacklog: Rule = (s, c) => {
  const r = c.outboxBacklog;
  const ageMs = s.outbox.oldestDueAt === null ? 0 : s.now - s.outbox.oldestDueAt;
  if (!r.enabled || (s.outbox.due < r.maxDue && ageMs < r.maxAgeMin * 60_000)) return [];
  return [{ rule: 'outbox_backlog', subject: s.bot.account, title: '待发消息积压', detail: `${s.outbox.due} 条消息已到发送时间尚未发出，最早一条已等待 ${minutes(ageMs)} 分钟（阈值：${r.maxDue} 条或 ${r.maxAgeMin} 分钟）` }];
};

const scanDrop: Rule = (s, c) => {
  const r = c.scanDrop;
  if (!r.enabled) return [];
  const dropped = s.scans
    .filter((x) => x.baseline >= r.minBaseline && x.today < x.baseline * (1 - r.minDrop))
    .sort((a, b) => b.baseline - b.today - (a.baseline - a.today));
  if (!dropped.length) return [];
  const shown = dropped.slice(0, 5).map((x) => `${x.name}（今日 ${x.today} 次，前7天同时段平均 ${Math.round(x.baseline)} 次）`);
  const more = dropped.length > 5 ? ` 等 ${dropped.length} 个渠道` : '';
  // One alert for all channels: a landing-page outage would otherwise send one message per channel.
  return [{ rule: 'scan_drop', subject: 'channels', title: '渠道扫码量骤降', detail: `${shown.join('；')}${more}。请检查海报是否被撤下、落地页能否打开` }];
};

const RULES: Rule[] = [callbackFailures, wecomIpBlocked, wecomTokenInvalid, sendFailures, jobStale, botLoggedOut, outboxBacklog, scanDrop];

/** Everything firing in this snapshot. */
export function findFiring(s: AlertSnapshot, c: AlertRulesConfig): Finding[] {
  return RULES.flatMap((rule) => rule(s, c));
}

/** The admin notices, in Chinese. */
export const notices = {
  firing: (f: Finding) => `【告警】${f.title}\n${f.detail}`,
  reminder: (f: Finding, firedAt: number, now: number) => `【告警】${f.title}（仍未恢复，已持续 ${formatDuration(now - firedAt)}）\n${f.detail}`,
  resolved: (title: string, firedAt: number, now: number) => `【恢复】${title}，已恢复正常（告警持续 ${formatDuration(now - firedAt)}）`,
};

function formatDuration(ms: number): string {
  const m = minutes(ms);
  return m < 60 ? `${m} 分钟` : `${Math.floor(m / 60)} 小时 ${m % 60} 分钟`;
}
