// The form the submission targets answer: one question of each kind, conditions, steps, a
// choice and a multiple choice with "other" and an exclusive choice. Included by the targets.

/// The definition (JSON).
pub const EVERY_KIND: &str = r#"{"id":"fuzz","title":"Every kind","questions":[
  {"id":"s3","type":"smileys","label":"Three","required":true},
  {"id":"s5","type":"smileys","label":"Five","count":5},
  {"id":"st","type":"stars","label":"Stars","step":2},
  {"id":"sc","type":"scale","label":"Scale","min":1,"max":7},
  {"id":"nps","type":"nps","label":"NPS"},
  {"id":"yn","type":"yes_no","label":"Yes or no","required":true},
  {"id":"why","type":"text","label":"Why not?","required":true,
   "show_if":{"question":"yn","equals":"no"}},
  {"id":"low","type":"text","label":"Low","show_if":{"question":"nps","less_than":7}},
  {"id":"ch","type":"choice","label":"Choice","other":true,
   "choices":[{"id":"a","label":"A"},{"id":"b","label":"B"}]},
  {"id":"mu","type":"multiple","label":"Multiple","other":true,"min_selected":2,"max_selected":3,
   "choices":[{"id":"w","label":"W"},{"id":"x","label":"X"},{"id":"none","label":"None","exclusive":true}]},
  {"id":"tx","type":"text","label":"Text","max_length":20,"multiline":true},
  {"id":"em","type":"email","label":"Email"},
  {"id":"co","type":"consent","label":"I agree","required":true}
]}"#;
