import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { renderEventDocs } from '../../scripts/events-docs';
import { EVENT_SCHEMAS, EVENT_TYPES, EVENT_VERSION } from '../../shared/events/event-catalogue';
import { EVENT_INFO } from '../../shared/events/event-docs';

describe('event catalogue and docs/events.md', () => {
  const ajv = addFormats(new Ajv({ strict: false }));

  it('docs/events.md is what `npm run events:docs` generates from the catalogue', () => {
    const committed = readFileSync(path.resolve(__dirname, '../../docs/events.md'), 'utf8');
    expect(committed).toBe(renderEventDocs());
  });

  it.each(EVENT_TYPES)('the documented example of %s is a valid envelope', (type) => {
    const validate = ajv.compile(EVENT_SCHEMAS[type]);
    const envelope = {
      event_id: '5f0c2b7e-1d9a-4e6f-b3c2-8a7d6e5f4c3b',
      type,
      version: EVENT_VERSION,
      occurred_at: '2026-01-09T10:00:00.000Z',
      user_id: 'u1',
      data: EVENT_INFO[type].example,
    };
    expect(validate(envelope) ? [] : validate.errors).toEqual([]);
  });

  it('an envelope with the wrong type, a number for money or an unknown top-level field is invalid', () => {
    const validate = ajv.compile(EVENT_SCHEMAS['order.placed']);
    const valid = {
      event_id: '5f0c2b7e-1d9a-4e6f-b3c2-8a7d6e5f4c3b',
      type: 'order.placed',
      version: 1,
      occurred_at: '2026-01-09T10:00:00.000Z',
      user_id: 'u1',
      data: EVENT_INFO['order.placed'].example,
    };
    expect(validate(valid)).toBe(true);
    expect(validate({ ...valid, type: 'order.failed' })).toBe(false);
    expect(validate({ ...valid, data: { ...valid.data, total_price: 59.97 } })).toBe(false);
    expect(validate({ ...valid, extra: true })).toBe(false);
  });

  it('maps the Segment Ecommerce names users forward to', () => {
    const docs = renderEventDocs();
    for (const name of ['Product Added', 'Product Removed', 'Checkout Started', 'Order Completed', 'Order Cancelled']) {
      expect(docs).toContain(name);
    }
  });
});
