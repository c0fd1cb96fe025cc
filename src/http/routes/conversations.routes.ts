import Router from '@koa/router';
import { z } from 'zod';
import type { ConversationService } from '../../domain/conversation/conversation.service.js';
import type { OutboxService } from '../../domain/outbox/outbox.service.js';
import { readJson } from '../body.js';
import { iso, parseId } from '../validation.js';

const askBody = z
  .object({
    question: z.enum(['nps', 'birthday']),
    ref: z.string().trim().max(100).default(''),
  })
  .strict();

export function conversationRoutes(d: {
  conversations: ConversationService;
  outbox: OutboxService;
  rooms: { listDaily(roomId: string): Promise<Array<{ day: string; joins: number; leaves: number }>> };
}): Router {
  const r = new Router({ prefix: '/api' });

  // Asks a customer a multi-step question in their 1:1 chat with the bot (journeys do the same).
  r.post('/customers/:id/ask', async (ctx) => {
    const id = parseId(ctx.params.id, 'CUSTOMER.INVALID_ID', '客户');
    const body = askBody.parse(await readJson(ctx));
    ctx.status = 202;
    ctx.body = await d.conversations.ask(id, body.question, body.ref);
  });

  r.get('/customers/:id/outbox', async (ctx) => {
    const id = parseId(ctx.params.id, 'CUSTOMER.INVALID_ID', '客户');
    const rows = await d.outbox.listForCustomer(id, 100);
    ctx.body = {
      items: rows.map((m) => ({ id: m.id, to: m.to, action: m.action, purpose: m.purpose, status: m.status, attempts: m.attempts, lastError: m.lastError, text: m.text, dueAt: iso(m.dueAt), createdAt: iso(m.createdAt), sentAt: iso(m.sentAt) })),
    };
  });

  r.get('/bot/conversations', async (ctx) => {
    const rows = await d.conversations.needingHuman(200);
    ctx.body = { items: rows.map((c) => ({ ...c, handoffAt: iso(c.handoffAt), quietUntil: iso(c.quietUntil), pendingUntil: iso(c.pendingUntil) })) };
  });

  // Joins and leaves per Asia/Shanghai day of one group (the bot's room id).
  r.get('/bot/rooms/:roomId/daily', async (ctx) => {
    const roomId = z.string().min(1).max(128).parse(ctx.params.roomId);
    ctx.body = { roomId, days: await d.rooms.listDaily(roomId) };
  });

  return r;
}
