// P4 helper: list a pipeline's versions in a fresh process.
//   node --import tsx bench/peers/store-list.ts <store dir> <pipeline>  -> {"ms":..,"count":..}
import { Store } from '../../runtime/store';

const [root, pipeline] = process.argv.slice(2);
const t0 = performance.now();
new Store(root).listVersions(pipeline).then((list) => {
  console.log(JSON.stringify({ ms: performance.now() - t0, count: list.length }));
});
