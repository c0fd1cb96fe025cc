import type { Config } from '../config/config.js';
import { AppError } from '../shared/errors.js';
import type { MockPhones } from '../sandbox/mock-phones.js';

export type PuppetKind = 'mock' | 'service';

/** mock in sandbox mode (and whenever asked for), wechaty-puppet-service otherwise. */
export function puppetKind(config: Config): PuppetKind {
  if (config.bot.puppet === 'auto') return config.sandbox ? 'mock' : 'service';
  return config.bot.puppet;
}

/**
 * Builds the Wechaty puppet from validated config. Only WeCom puppets reached through
 * wechaty-puppet-service (WorkPro) are supported for real accounts: there is no fallback to a
 * personal-WeChat puppet.
 */
export async function createPuppet(config: Config): Promise<{ kind: PuppetKind; puppet: unknown; afterStart?(): void; sandbox?: MockPhones }> {
  const kind = puppetKind(config);
  if (kind === 'mock') {
    if (config.env === 'production') throw new AppError('BOT.CONFIG', 'production cannot run the mock puppet; set WECHATY_PUPPET=service and WECHATY_PUPPET_SERVICE_TOKEN');
    const { PuppetMock, mock } = await import('wechaty-puppet-mock');
    // The sandbox's phones are loaded on demand, like the mock puppet: production never loads them.
    const { MockPhones } = await import('../sandbox/mock-phones.js');
    const mocker = new mock.Mocker();
    const me = mocker.createContact({ name: '思域助手（沙箱）' });
    // Sandbox: the mock account logs itself in, so the bot runs (and drains) like a real one;
    // customers' phones on the same mocker let /sandbox/… play their chats.
    return { kind, puppet: new PuppetMock({ mocker }), afterStart: () => mocker.login(me), sandbox: new MockPhones(mocker, me) };
  }
  if (!config.bot.puppetToken) throw new AppError('BOT.CONFIG', 'WECHATY_PUPPET_SERVICE_TOKEN is required for the service puppet (e.g. puppet_workpro_…)');
  const { PuppetService } = await import('wechaty-puppet-service');
  return {
    kind,
    puppet: new PuppetService({
      token: config.bot.puppetToken,
      // WorkPro serves without TLS (wechaty-notes §2).
      tls: { disable: true },
      ...(config.bot.puppetAuthority ? { authority: config.bot.puppetAuthority } : {}),
      ...(config.bot.puppetEndpoint ? { endpoint: config.bot.puppetEndpoint } : {}),
      timeoutSeconds: 120,
    }),
  };
}
