document.addEventListener('tianye-submit', (e) => console.log('submitted', e.target.id, e.detail.instance_id));
