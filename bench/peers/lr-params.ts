/** Plumb's logistic-regression settings for P2: mini-batch SGD, a few passes. */
export const LR = { epochs: 5, batch: 256, rate: 0.1 };
