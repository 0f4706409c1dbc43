/** One search result: a catalogue row and its score (dot product, or cosine in [-1, 1]). */
export interface Hit {
  index: number;
  score: number;
}

/** 'dot': q·y (the paper's predicted preference); 'cosine': q·y / (‖q‖‖y‖), 0 for a zero vector. */
export type Metric = 'dot' | 'cosine';
