require('global-jsdom/register')
// Node >= 19 has its own Event/CustomEvent/EventTarget globals, which global-jsdom does not overwrite;
// jsdom's dispatchEvent then rejects j-component's events ("parameter 1 is not of type 'Event'").
for (const k of ['Event', 'CustomEvent', 'EventTarget']) globalThis[k] = window[k]
