// Side-effect imports registering every reproduction (exp/reproductions/index.ts).
