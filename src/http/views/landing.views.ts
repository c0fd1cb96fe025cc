/**
 * The landing page people reach by scanning a poster: Simplified Chinese, mobile-first, one
 * small HTML document with inline CSS and a few lines of JS (fast on a 3G phone, no external
 * requests but the rep's QR image). Every value is escaped.
 */
const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c]!);

export const PRIVACY_TEXT =
  '我们仅将您的姓名和手机号用于本门店为您提供服务（到店咨询、活动通知与售后），不会出售或提供给第三方。手机号加密保存，您可随时在对话中回复“退订”停止接收消息，或联系门店删除您的信息。';

const STYLE = `*{box-sizing:border-box}body{margin:0;font:16px/1.5 -apple-system,BlinkMacSystemFont,"PingFang SC","Microsoft YaHei",sans-serif;background:#f5f6f8;color:#1f2329}
main{max-width:480px;margin:0 auto;padding:20px 16px 32px}h1{font-size:22px;margin:8px 0 4px}.offer{color:#d4380d;font-weight:600;margin:0 0 16px}
.card{background:#fff;border-radius:12px;padding:16px;box-shadow:0 1px 3px rgba(0,0,0,.06)}label{display:block;font-size:14px;margin:12px 0 4px}
input[type=text],input[type=tel]{width:100%;font-size:17px;padding:10px 12px;border:1px solid #d0d3d6;border-radius:8px}input.bad{border-color:#f5222d}
.err{color:#f5222d;font-size:13px;min-height:18px}.consent{display:flex;gap:8px;align-items:flex-start;font-size:13px;color:#646a73;margin-top:12px}
.consent input{margin-top:4px}button{width:100%;margin-top:16px;padding:12px;font-size:17px;border:0;border-radius:8px;background:#07c160;color:#fff}
.hp{position:absolute;left:-9999px;height:0;overflow:hidden}.qr{display:block;width:240px;height:240px;margin:16px auto;border-radius:8px;background:#fff}
.muted{color:#8f959e;font-size:13px;text-align:center}.place{color:#8f959e;font-size:13px}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(title)}</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

export interface FormView {
  code: string;
  title: string;
  offer?: string;
  placement?: string;
  formToken: string;
  values?: { name?: string; phone?: string; consent?: boolean };
  errors?: { name?: string; phone?: string; consent?: string; form?: string };
}

// The form page is mostly constant (style, privacy text, script): those bytes are encoded once,
// and a scan burst only encodes the few fields that differ.
const FORM_HEAD = Buffer.from('<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>');
const FORM_STYLE = Buffer.from(`</title><style>${STYLE}</style></head><body><main>`);
const FORM_CONSENT_TEXT = Buffer.from(`<span>我已阅读并同意：${esc(PRIVACY_TEXT)}</span></label>`);
const FORM_SCRIPT = `
document.getElementById('f').addEventListener('submit',function(ev){var ok=true;function s(id,m){document.getElementById(id+'-err').textContent=m;var i=document.getElementById(id);if(i&&i.type!=='checkbox')i.className=m?'bad':'';if(m)ok=false}
var n=document.getElementById('name').value.trim(),p=document.getElementById('phone').value.replace(/[\\s-]/g,'').replace(/^(\\+?86)/,'');
s('name',n?(n.length>20?'称呼不能超过20个字':''):'请填写您的称呼');s('phone',/^1[3-9]\\d{9}$/.test(p)?'':'请填写正确的11位手机号');
s('consent',document.getElementById('consent').checked?'':'请阅读并同意隐私说明');if(!ok)ev.preventDefault()});
`;
const FORM_TAIL = Buffer.from(`<button type="submit">领取福利并添加顾问</button></form>
<script>${FORM_SCRIPT}</script></main></body></html>`);

/** The pages' inline style and script, so the Content-Security-Policy allows exactly these (by hash). */
export const INLINE_CODE = { styles: [STYLE], scripts: [FORM_SCRIPT] } as const;

export function renderForm(v: FormView): Buffer {
  const e = v.errors ?? {};
  const val = v.values ?? {};
  const field = (id: 'name' | 'phone', label: string, type: string, extra: string) =>
    `<label for="${id}">${label}</label><input id="${id}" name="${id}" type="${type}" ${extra} value="${esc(val[id] ?? '')}"${e[id] ? ' class="bad" aria-invalid="true"' : ''}><div class="err" id="${id}-err">${esc(e[id] ?? '')}</div>`;
  const body = `<h1>${esc(v.title)}</h1>${v.offer ? `<p class="offer">${esc(v.offer)}</p>` : ''}${v.placement ? `<p class="place">${esc(v.placement)}</p>` : ''}
<form class="card" method="post" action="/s/${esc(v.code)}" novalidate id="f">
<div class="err" id="form-err">${esc(e.form ?? '')}</div>
${field('name', '您的称呼', 'text', 'maxlength="20" autocomplete="name" required')}
${field('phone', '手机号', 'tel', 'maxlength="20" inputmode="numeric" autocomplete="tel" required')}
<div class="hp" aria-hidden="true"><label for="website">网站</label><input id="website" name="website" tabindex="-1" autocomplete="off"></div>
<input type="hidden" name="ft" value="${esc(v.formToken)}">
<label class="consent"><input type="checkbox" name="consent" id="consent" value="1"${val.consent ? ' checked' : ''}>`;
  const tail = `<div class="err" id="consent-err">${esc(e.consent ?? '')}</div>`;
  return Buffer.concat([FORM_HEAD, Buffer.from(esc(v.title)), FORM_STYLE, Buffer.from(body), FORM_CONSENT_TEXT, Buffer.from(tail), FORM_TAIL]);
}

export function renderThanks(v: { title: string; qrCode: string | null; maskedPhone: string; coupon?: { code: string; title: string } }): string {
  return page(
    v.title,
    `<div class="card"><h1>登记成功</h1><p>已为手机号 ${esc(v.maskedPhone)} 登记。长按下方二维码，添加您的专属顾问领取福利：</p>${
      v.coupon ? `<p class="offer" id="coupon">${esc(v.coupon.title)}　券码 <b>${esc(v.coupon.code)}</b></p>` : ''
    }${
      v.qrCode ? `<img class="qr" id="rep-qr" src="${esc(v.qrCode)}" alt="专属顾问二维码">` : '<p class="muted">顾问二维码暂时无法显示，请稍后刷新本页。</p>'
    }<p class="muted">添加后顾问会第一时间与您联系</p></div>`,
  );
}

export function renderClosed(status: 404 | 410, message: string): string {
  return page(status === 410 ? '活动已结束' : '页面不存在', `<div class="card"><h1>${status === 410 ? '活动已结束' : '二维码无效'}</h1><p>${esc(message)}</p></div>`);
}
