import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tableFromRows } from '../../runtime/table/table';
import { stages } from '../../runtime/stages/columns';
import type { TransformStage } from '../../runtime/stages/types';
import { cells, fakeContext, sync, assertStageSchemas } from './helpers';

const stage = (type: string) => stages.find((s) => s.type === type) as TransformStage;

const penguins = () =>
  tableFromRows([
    { species: 'Adelie', 'Beak Length (mm)': 39.1, mass: 3750 },
    { species: 'Gentoo', 'Beak Length (mm)': 46.1, mass: null },
  ]);

test('every column stage has a strict, documented param schema', () => {
  assert.deepEqual(stages.map((s) => s.type), ['select', 'drop', 'rename']);
  assertStageSchemas(stages);
});

test('select keeps the listed columns in the listed order and shares their buffers', () => {
  const input = penguins();
  const out = sync(stage('select').run(input, fakeContext({ columns: ['mass', 'species'] }, { uses: 'select' })));
  assert.deepEqual(out.names, ['mass', 'species']);
  assert.equal(out.column('mass'), input.column('mass'));
  assert.deepEqual(cells(out, 'mass'), [3750, null]);
});

test('select names the unknown column and lists the available ones', () => {
  assert.throws(
    () => stage('select').run(penguins(), fakeContext({ columns: ['species', 'mas'] }, { uses: 'select', stage: 'keep' })),
    (e: Error) =>
      e.message.includes("no column 'mas'") &&
      e.message.includes("'species', 'Beak Length (mm)', 'mass'") &&
      e.message.startsWith("select (stage 'keep')"),
  );
  assert.throws(() => stage('select').run(penguins(), fakeContext({ columns: ['mass', 'mass'] }, { uses: 'select' })), /'mass' appears twice/);
  assert.throws(() => stage('select').run(penguins(), fakeContext({}, { uses: 'select' })), /'columns' is required/);
});

test('drop removes columns and rejects unknown ones, naming all of them', () => {
  const out = sync(stage('drop').run(penguins(), fakeContext({ columns: ['Beak Length (mm)'] }, { uses: 'drop' })));
  assert.deepEqual(out.names, ['species', 'mass']);
  assert.equal(out.rowCount, 2);
  assert.throws(
    () => stage('drop').run(penguins(), fakeContext({ columns: ['x', 'y'] }, { uses: 'drop' })),
    /drop: no columns 'x', 'y' \(available: 'species', 'Beak Length \(mm\)', 'mass'\)/,
  );
});

test('rename maps old names to new ones, keeping order and data', () => {
  const input = penguins();
  const out = sync(stage('rename').run(input, fakeContext({ columns: { 'Beak Length (mm)': 'beak' } }, { uses: 'rename' })));
  assert.deepEqual(out.names, ['species', 'beak', 'mass']);
  assert.deepEqual(cells(out, 'beak'), [39.1, 46.1]);
  // Data is shared, not copied.
  const beak = out.column('beak');
  assert.ok(beak.type === 'number' && beak.values === input.numberColumn('Beak Length (mm)').values);
  // Swapping two names is fine.
  const swapped = sync(stage('rename').run(input, fakeContext({ columns: { species: 'mass', mass: 'species' } }, { uses: 'rename' })));
  assert.deepEqual(cells(swapped, 'mass'), ['Adelie', 'Gentoo']);
});

test('rename rejects unknown columns and name clashes', () => {
  assert.throws(
    () => stage('rename').run(penguins(), fakeContext({ columns: { weight: 'w' } }, { uses: 'rename' })),
    /rename: no column 'weight' \(available: /,
  );
  assert.throws(
    () => stage('rename').run(penguins(), fakeContext({ columns: { mass: 'species' } }, { uses: 'rename' })),
    /two columns named 'species'/,
  );
});
