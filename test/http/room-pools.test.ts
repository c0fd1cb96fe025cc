import test from 'ava';
import type { Siyu } from '../../src/main/compose.js';
import { admin, startApp } from '../support/app.js';
import { backendName } from '../support/backends.js';

const b = `[${backendName}]`;
const ADD = '/cgi-bin/externalcontact/groupchat/add_join_way';
const UPDATE = '/cgi-bin/externalcontact/groupchat/update_join_way';

/** Seeds n WeCom group chats in the emulator and returns pool rooms for them. */
function seedRooms(siyu: Siyu, n: number, from = 1) {
  return Array.from({ length: n }, (_, i) => {
    const k = from + i;
    const { chatId } = siyu.emulator!.addGroupChat({ owner: 'rep001', name: `新客福利${k}群` });
    return { roomId: `room-${k}@chatroom`, chatId, topic: `新客福利${k}群` };
  });
}

const poolBody = (rooms: Array<{ roomId: string; chatId: string; topic?: string }>, over: Record<string, unknown> = {}) => ({ purpose: '新客福利群', name: '新客福利群', threshold: 3, rooms, ...over });

test(`${b} a pool is created with a WeCom join way over its rooms that auto-creates rooms`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const rooms = seedRooms(siyu, 2);
  const res = await api.post('/api/room-pools', poolBody(rooms));
  t.is(res.status, 201, res.text);
  t.is(res.json.syncState, 'synced');
  t.is(res.json.syncError, null);
  t.is(res.json.currentRoomId, 'room-1@chatroom');
  const way = siyu.emulator!.joinWay(res.json.configId)!;
  t.deepEqual(way.chatIdList, rooms.map((r) => r.chatId));
  t.is(way.autoCreateRoom, 1);
  t.is(way.scene, 2);
  t.is(way.roomBaseName, '新客福利群');
  t.is(way.state, `rp_${res.json.id}`);
  t.is(res.json.qrCode, way.qrCode);
  t.deepEqual(res.json.rooms.map((r: { status: string }) => r.status), ['active', 'active']);

  const one = await api.get(`/api/room-pools/${res.json.id}`);
  t.is(one.status, 200);
  t.deepEqual(one.json, res.json);
  const list = await api.get('/api/room-pools');
  t.is(list.json.total, 1);
  t.is(list.json.items[0].id, res.json.id);
  t.is(list.json.items[0].rooms.length, 2);
});

test(`${b} the join way lists at most five open rooms`, async (t) => {
  const siyu = await startApp(t);
  const rooms = seedRooms(siyu, 7);
  const res = await admin(siyu).post('/api/room-pools', poolBody(rooms));
  t.is(res.status, 201, res.text);
  t.deepEqual(siyu.emulator!.joinWay(res.json.configId)!.chatIdList, rooms.slice(0, 5).map((r) => r.chatId));
  t.is(res.json.counts.rooms, 7);
});

test(`${b} a room reaching the threshold is marked full, the join way moves on, and it reopens below the threshold`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const rooms = seedRooms(siyu, 3);
  const created = (await api.post('/api/room-pools', poolBody(rooms))).json;
  const way = () => siyu.emulator!.joinWay(created.configId)!.chatIdList;

  const below = await siyu.roomPools.recordJoin('room-1@chatroom', 2);
  t.like(below, { becameFull: false, resynced: false });
  t.is(siyu.emulator!.callsTo(UPDATE).length, 0, 'no WeCom call while the open rooms stay the same');

  const full = await siyu.roomPools.recordJoin('room-1@chatroom');
  t.like(full, { becameFull: true, resynced: true, syncState: 'synced' });
  t.like(full!.room, { roomId: 'room-1@chatroom', memberCount: 3, status: 'full' });
  t.deepEqual(way(), [rooms[1]!.chatId, rooms[2]!.chatId]);
  t.is((await siyu.roomPools.current(created.id))?.roomId, 'room-2@chatroom');
  const seen = (await api.get(`/api/room-pools/${created.id}`)).json;
  t.is(seen.currentRoomId, 'room-2@chatroom');
  t.deepEqual(seen.counts, { rooms: 3, active: 2, full: 1, members: 3 });

  const left = await siyu.roomPools.recordLeave('room-1@chatroom');
  t.like(left, { reopened: true, resynced: true });
  t.deepEqual(way(), rooms.map((r) => r.chatId));
  t.is((await siyu.roomPools.current(created.id))?.roomId, 'room-1@chatroom');

  // A count read from the room replaces the running total; leaves never go below zero.
  t.like((await siyu.roomPools.recordMembership('room-2@chatroom', 10))!.room, { memberCount: 10, status: 'full' });
  t.like((await siyu.roomPools.recordLeave('room-3@chatroom', 5))!.room, { memberCount: 0, status: 'active' });
  t.is(await siyu.roomPools.recordJoin('not-in-a-pool@chatroom'), undefined);
});

test(`${b} when every room is full the join way keeps the last room and says so`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const rooms = seedRooms(siyu, 2);
  const created = (await api.post('/api/room-pools', poolBody(rooms, { threshold: 2 }))).json;
  await siyu.roomPools.recordMembership('room-1@chatroom', 2);
  await siyu.roomPools.recordMembership('room-2@chatroom', 2);
  const seen = (await api.get(`/api/room-pools/${created.id}`)).json;
  t.true(seen.allFull);
  t.is(seen.currentRoomId, null);
  t.is(await siyu.roomPools.current(created.id), undefined);
  const way = siyu.emulator!.joinWay(created.configId)!;
  t.deepEqual(way.chatIdList, [rooms[1]!.chatId]);
  t.is(way.autoCreateRoom, 1);

  // Adding a room and raising the threshold reopen the pool.
  const [extra] = seedRooms(siyu, 1, 3);
  const edited = await api.call('PATCH', `/api/room-pools/${created.id}`, { addRooms: [extra] });
  t.is(edited.status, 200, edited.text);
  t.is(edited.json.currentRoomId, 'room-3@chatroom');
  t.deepEqual(siyu.emulator!.joinWay(created.configId)!.chatIdList, [extra!.chatId]);
  const raised = await api.call('PATCH', `/api/room-pools/${created.id}`, { threshold: 5 });
  t.deepEqual(raised.json.joinChatIds, [rooms[0]!.chatId, rooms[1]!.chatId, extra!.chatId]);
  t.deepEqual(siyu.emulator!.joinWay(created.configId)!.chatIdList, raised.json.joinChatIds);
  t.false(raised.json.allFull);
});

test(`${b} a WeCom error on create leaves the pool visibly failed, and a retry syncs it`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const rooms = seedRooms(siyu, 2);
  siyu.emulator!.injectFault(ADD, { errcode: 40058, times: 1 });
  const res = await api.post('/api/room-pools', poolBody(rooms));
  t.is(res.status, 201, res.text);
  t.is(res.json.syncState, 'failed');
  t.regex(res.json.syncError, /40058/);
  t.is(res.json.qrCode, null);
  t.is((await api.get(`/api/room-pools/${res.json.id}`)).json.syncState, 'failed');

  t.deepEqual(await siyu.roomPools.retryFailedSyncs(), { tried: 1, synced: 1 });
  const after = (await api.get(`/api/room-pools/${res.json.id}`)).json;
  t.is(after.syncState, 'synced');
  t.is(after.syncError, null);
  t.deepEqual(siyu.emulator!.joinWay(after.configId)!.chatIdList, rooms.map((r) => r.chatId));
  t.deepEqual(await siyu.roomPools.retryFailedSyncs(), { tried: 0, synced: 0 });
});

test(`${b} a failed resync after a room fills is retried by the sync endpoint without a second join way`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const rooms = seedRooms(siyu, 2);
  const created = (await api.post('/api/room-pools', poolBody(rooms))).json;
  siyu.emulator!.injectFault(UPDATE, { errcode: 40058, times: 1 });
  const change = await siyu.roomPools.recordMembership('room-1@chatroom', 3);
  t.like(change, { becameFull: true, resynced: false, syncState: 'failed' });
  t.deepEqual(siyu.emulator!.joinWay(created.configId)!.chatIdList, rooms.map((r) => r.chatId), 'WeCom still lists the full room');
  const synced = await api.post(`/api/room-pools/${created.id}/sync`);
  t.is(synced.status, 200, synced.text);
  t.is(synced.json.syncState, 'synced');
  t.deepEqual(siyu.emulator!.joinWay(created.configId)!.chatIdList, [rooms[1]!.chatId]);
  t.is(siyu.emulator!.callsTo(ADD).length, 1);
  t.is(siyu.emulator!.callsTo('/cgi-bin/externalcontact/groupchat/get_join_way').length, 1, 'the QR code is read once');
  t.is((await api.post('/api/room-pools/9999/sync')).status, 404);
});

test(`${b} the next membership report after a failed resync pushes the join way again`, async (t) => {
  const siyu = await startApp(t);
  const rooms = seedRooms(siyu, 3);
  const created = (await admin(siyu).post('/api/room-pools', poolBody(rooms))).json;
  siyu.emulator!.injectFault(UPDATE, { errcode: 40058, times: 1 });
  t.like(await siyu.roomPools.recordMembership('room-1@chatroom', 3), { syncState: 'failed' });
  const next = await siyu.roomPools.recordJoin('room-3@chatroom');
  t.like(next, { becameFull: false, syncState: 'synced' });
  t.deepEqual(siyu.emulator!.joinWay(created.configId)!.chatIdList, [rooms[1]!.chatId, rooms[2]!.chatId]);
});

test(`${b} a purpose or a room already used elsewhere is a conflict and nothing is written`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const rooms = seedRooms(siyu, 2);
  t.is((await api.post('/api/room-pools', poolBody([rooms[0]!]))).status, 201);
  const samePurpose = await api.post('/api/room-pools', poolBody([rooms[1]!]));
  t.is(samePurpose.status, 409);
  t.regex(samePurpose.json.error.message, /已存在/);
  const sameRoom = await api.post('/api/room-pools', poolBody([rooms[0]!], { purpose: '老客群' }));
  t.is(sameRoom.status, 409);
  t.regex(sameRoom.json.error.message, /其他群活码/);
  t.is(Number((await siyu.db('room_pools').count({ n: '*' }))[0]!.n), 1);
  t.is(Number((await siyu.db('pool_rooms').count({ n: '*' }))[0]!.n), 1);
  t.is(siyu.emulator!.callsTo(ADD).length, 1);
});

const room = { roomId: 'r1@chatroom', chatId: 'wrAAAA', topic: '群' };
const invalid: Array<[string, unknown]> = [
  ['threshold below 2', poolBody([room], { threshold: 1 })],
  ['threshold above 500', poolBody([room], { threshold: 501 })],
  ['fractional threshold', poolBody([room], { threshold: 2.5 })],
  ['no rooms', poolBody([])],
  ['51 rooms', poolBody(Array.from({ length: 51 }, (_, i) => ({ roomId: `r${i}`, chatId: `wr${i}` })))],
  ['a room twice', poolBody([room, { ...room }])],
  ['a chat id twice', poolBody([room, { ...room, roomId: 'r2@chatroom' }])],
  ['a bad chat id', poolBody([{ ...room, chatId: 'wr 1/2' }])],
  ['an empty purpose', poolBody([room], { purpose: ' ' })],
  ['a name over 40 characters', poolBody([room], { name: '长'.repeat(41) })],
  ['an unknown field', poolBody([room], { extra: 1 })],
  ['a store that does not exist', poolBody([room], { storeId: 4242 })],
];

for (const [what, body] of invalid) {
  test(`${b} a pool with ${what} is refused in Chinese and nothing is written`, async (t) => {
    const siyu = await startApp(t);
    const res = await admin(siyu).post('/api/room-pools', body);
    t.is(res.status, 400, res.text);
    t.regex(res.json.error.message, /[\u4e00-\u9fa5]/);
    t.is(Number((await siyu.db('room_pools').count({ n: '*' }))[0]!.n), 0);
    t.is(Number((await siyu.db('pool_rooms').count({ n: '*' }))[0]!.n), 0);
    t.is(siyu.emulator!.callsTo(ADD).length, 0);
  });
}

test(`${b} bad edits are 400 and change nothing; unknown ids are 404`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const rooms = seedRooms(siyu, 2);
  const created = (await api.post('/api/room-pools', poolBody(rooms))).json;
  const patch = (body: unknown, id = created.id) => api.call('PATCH', `/api/room-pools/${id}`, body);
  for (const body of [{}, { threshold: 0 }, { removeRoomIds: ['nope@chatroom'] }, { removeRoomIds: rooms.map((r) => r.roomId) }, { addRooms: [{ ...rooms[0] }] }]) {
    const res = await patch(body);
    t.is(res.status, 400, JSON.stringify(body));
    t.regex(res.json.error.message, /[\u4e00-\u9fa5]/);
  }
  t.deepEqual((await api.get(`/api/room-pools/${created.id}`)).json, created);
  t.is(siyu.emulator!.callsTo(UPDATE).length, 0);
  t.is((await patch({ threshold: 5 }, 9999)).status, 404);
  t.is((await api.get('/api/room-pools/9999')).status, 404);
  t.is((await api.get('/api/room-pools/abc')).status, 400);
});

test(`${b} removing a room re-points the join way at the rest`, async (t) => {
  const siyu = await startApp(t);
  const api = admin(siyu);
  const rooms = seedRooms(siyu, 3);
  const created = (await api.post('/api/room-pools', poolBody(rooms))).json;
  const res = await api.call('PATCH', `/api/room-pools/${created.id}`, { removeRoomIds: ['room-1@chatroom'], name: '新客福利群B' });
  t.is(res.status, 200, res.text);
  t.is(res.json.currentRoomId, 'room-2@chatroom');
  const way = siyu.emulator!.joinWay(created.configId)!;
  t.deepEqual(way.chatIdList, [rooms[1]!.chatId, rooms[2]!.chatId]);
  t.is(way.remark, '新客福利群B');
  t.is(await siyu.roomPools.recordJoin('room-1@chatroom'), undefined, 'a removed room is no longer counted');
});
