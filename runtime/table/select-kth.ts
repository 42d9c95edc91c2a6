// Quickselect, shared by the impute stage's median and the debugger's column quartiles.

/** Hoare partition with a median-of-three pivot: afterwards a[k] is the k-th smallest. O(n) average. */
export function selectKth(a: Float64Array, k: number): void {
  let left = 0;
  let right = a.length - 1;
  while (left < right) {
    // Median of three as pivot guards against sorted input.
    const x = a[left];
    const y = a[(left + right) >>> 1];
    const z = a[right];
    const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) {
        const t = a[i];
        a[i++] = a[j];
        a[j--] = t;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}
