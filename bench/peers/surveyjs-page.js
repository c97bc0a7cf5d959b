// The SurveyJS page of the peer benchmark: `?form=NAME` renders /forms/NAME.json (a
// questionnaire converted by to-surveyjs.mjs) into #survey, and leaves the model in
// `window.__survey` for the benchmark's scripts.
(async () => {
  const name = new URLSearchParams(location.search).get('form');
  const json = await (await fetch(`/forms/${name}.json`)).json();
  const survey = new Survey.Model(json);
  // Answers take effect as they are typed, as in Tianye's app (SurveyJS's default waits
  // for the field to lose focus).
  survey.textUpdateMode = 'onTyping';
  window.__survey = survey;
  survey.render(document.getElementById('survey'));
})();
