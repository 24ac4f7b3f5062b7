import { ICD10, ICD10_UK, SNOMED } from './codes.js';
import { groupOfCoding, groupsOfCondition } from './conditionGroups.js';

describe('groupOfCoding', () => {
  it.each([
    [ICD10, 'M54.5', 'msk'],
    [ICD10_UK, 'M545', 'msk'],
    [ICD10, 'm54.5', 'msk'],
    [ICD10, 'M00', 'msk'],
    [ICD10, 'M99.9', 'msk'],
    [ICD10, 'F32.9', 'mental-health'],
    [ICD10_UK, 'F00', 'mental-health'],
    [ICD10, 'F99', 'mental-health'],
    [ICD10, 'N39.0', undefined],
    [ICD10, 'G56.0', undefined],
    [ICD10, 'F', undefined],
    [ICD10, 'FX1', undefined],
    [ICD10, '123', undefined],
    [SNOMED, '279039007', 'msk'],
    [SNOMED, '35489007', 'mental-health'],
    [SNOMED, '233604007', undefined],
    ['http://read.info/ctv3', 'N143.', undefined],
  ])('%s %s is in %s', (system, code, group) => {
    expect(groupOfCoding(system, code)).toBe(group);
  });

  it('collects every group a condition is coded in, once', () => {
    expect(
      groupsOfCondition({
        codings: [
          { system: ICD10, code: 'M54.5' },
          { system: SNOMED, code: '279039007' },
          { system: SNOMED, code: '197480006' },
        ],
      }),
    ).toEqual(['msk', 'mental-health']);
    expect(groupsOfCondition({ codings: [], text: 'bad back' })).toEqual([]);
  });
});
