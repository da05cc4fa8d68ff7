'use strict';
// A button with data-confirm asks before its form is sent (不予通过, 撤销登记, 停用 …): a tired reviewer's misclick
// next to 通过 is caught here, not after the student was told.
document.addEventListener('submit', (event) => {
  const button = event.submitter;
  const question = button && button.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

// Enter in a field of a form whose buttons decide different things decides nothing. The form's disabled first
// button (enter_guard) stops it in text fields; a checkbox's Enter submits regardless in Chromium, so it is stopped
// here too.
document.addEventListener('keydown', (event) => {
  const field = event.target;
  if (event.key !== 'Enter' || !field.form || !field.form.querySelector('.enter-guard')) return;
  if (field.tagName === 'INPUT' && !['submit', 'button', 'reset'].includes(field.type)) event.preventDefault();
});

// 全选本页: the header's box ticks or clears every row's box of its form (a batch of fifty, not fifty clicks).
document.addEventListener('change', (event) => {
  const all = event.target;
  if (!all.classList.contains('select-all') || !all.form) return;
  all.form.querySelectorAll('input[type=checkbox][name=ids]').forEach((box) => { box.checked = all.checked; });
});
