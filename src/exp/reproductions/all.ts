// Side-effect imports registering every reproduction (exp/reproductions/index.ts); one file per paper,
// each with its spec experiments/papers/<id>.json and README experiments/papers/<id>.README.md.
import './demo.js';
import './du2019.js';
import './lazy2022.js';
import './lr-transfer.js';
import './chen2023.js';
import './jiang2019.js';
import './kawaguchi2019.js';
import './kernel-regime.js';
import './berner2019.js';
