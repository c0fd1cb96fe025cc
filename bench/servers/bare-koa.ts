import Koa from 'koa';
import Router from '@koa/router';

// The baseline every scenario is compared with: Koa + @koa/router answering a constant.
const app = new Koa();
const router = new Router();
router.get('/hello', (ctx) => {
  ctx.body = 'hello';
});
app.use(router.routes());
const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const addr = server.address();
  process.stdout.write(`LISTENING ${typeof addr === 'object' && addr ? addr.port : ''}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
