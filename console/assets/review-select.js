// The Review queue's "Select all" (progressive enhancement): ticking it ticks every student's box, and unticking one
// student unticks it. Without script the form still works: a ticked "Select all" means every item listed.
document.addEventListener('change', (event) => {
  const box = event.target;
  if (!(box instanceof HTMLInputElement) || box.type !== 'checkbox') return;
  const students = document.querySelectorAll('input[type="checkbox"][name="submissionId"][form="bulk-approve"]');
  const all = document.getElementById('select-all');
  if (box === all) {
    for (const student of students) student.checked = all.checked;
  } else if (box.name === 'submissionId' && all instanceof HTMLInputElement) {
    all.checked = [...students].every((student) => student.checked);
  }
});
