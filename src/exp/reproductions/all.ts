// Side-effect imports registering every reproduction (exp/reproductions/index.ts).
import './demo.js';
