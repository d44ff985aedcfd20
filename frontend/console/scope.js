// The contest's scope in the wizard: one province, several, or the whole country (the
// registration form's commune picker then offers exactly those communes), and whether a
// participant's unit is picked from the contest's list or is their commune.

import { h, input, select } from './dom.js';
import { t } from './i18n.js';
import { PROVINCES } from './provinces.js';

let seq = 0;

/** A radio with its label. @param {string} name @param {string} value @param {string} label @param {boolean} checked */
function radio(name, value, label, checked) {
  const id = `sc${++seq}`;
  return { el: h('div', { class: 'f check' }, input({ type: 'radio', name, value, id, checked }), h('label', { for: id }, label)), id };
}

/**
 * The scope fieldset for a contest being created (`c` null) or edited.
 * @param {{scope_provinces?: string[] | null, unit_mode?: string} | null | undefined} c
 */
export function scopeFields(c) {
  const saved = c?.scope_provinces;
  const kind = saved == null ? 'one' : saved.length === 0 ? 'national' : saved.length === 1 ? 'one' : 'many';
  const one = radio('scope', 'one', t('scopeOne'), kind === 'one');
  const many = radio('scope', 'many', t('scopeMany'), kind === 'many');
  const national = radio('scope', 'national', t('scopeNational'), kind === 'national');
  const province = select([['', t('chooseProvince')], ...PROVINCES.map(([code, name]) => /** @type {[string, string]} */ ([code, name]))], saved?.length === 1 ? saved[0] : '');
  province.id = `sc${++seq}`;
  const boxes = PROVINCES.map(([code, name]) => {
    const box = input({ type: 'checkbox', value: code, id: `sc${++seq}`, checked: (saved ?? []).length > 1 && (saved ?? []).includes(code) });
    return h('div', { class: 'f check' }, box, h('label', { for: box.id }, name));
  });
  const oneBox = h('div', { class: 'f' }, h('label', { for: province.id }, t('scopeProvince')), province);
  const manyBox = h('fieldset', { class: 'provinces' }, h('legend', {}, t('scopeProvinces')), boxes);
  const err = h('p', { class: 'err', id: `${one.id}-err` });
  const show = () => {
    const k = chosen();
    oneBox.hidden = k !== 'one';
    manyBox.hidden = k !== 'many';
  };
  const chosen = () => /** @type {HTMLInputElement | null} */ (el.querySelector('input[name="scope"]:checked'))?.value ?? 'one';
  const list = h('div', { class: 'f' }, h('p', { class: 'hint', id: `${one.id}-hint` }, t('scopeHint')), one.el, many.el, national.el, err);
  const unitList = radio('unit_mode', 'list', t('unitModeList'), (c?.unit_mode ?? 'list') === 'list');
  const unitCommune = radio('unit_mode', 'commune', t('unitModeCommune'), c?.unit_mode === 'commune');
  const el = h(
    'fieldset',
    { id: 'scope' },
    h('legend', {}, t('contestScope')),
    list,
    oneBox,
    manyBox,
    h('fieldset', {}, h('legend', {}, t('unitMode')), unitList.el, unitCommune.el),
  );
  for (const r of el.querySelectorAll('input[name="scope"]')) r.addEventListener('change', show);
  /** @type {HTMLInputElement} */ (el.querySelector(`#${one.id}`)).setAttribute('aria-describedby', `${one.id}-hint ${one.id}-err`);
  show();
  /** The request's `scope` and `unit_mode`. */
  const value = () => {
    const k = chosen();
    const provinces = k === 'one' ? [province.value].filter(Boolean)
      : k === 'many' ? [...manyBox.querySelectorAll('input:checked')].map((b) => /** @type {HTMLInputElement} */ (b).value) : [];
    const mode = /** @type {HTMLInputElement | null} */ (el.querySelector('input[name="unit_mode"]:checked'))?.value ?? 'list';
    return { scope: { national: k === 'national', provinces }, unit_mode: mode };
  };
  return { el, value };
}
