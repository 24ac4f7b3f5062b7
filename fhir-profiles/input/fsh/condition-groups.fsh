// Condition groups (src/domain/conditionGroups.ts). tests/integration/profiles.test.ts keeps them equal.

ValueSet: ConditionGroupMsk
Id: condition-group-msk
Title: "Musculoskeletal conditions"
Description: "Condition group \"msk\" used by prompt rules and provider eligibility: ICD-10 M00–M99 and common SNOMED CT concepts (SNOMED subsumption is not evaluated; the list is enumerated). Equal to CONDITION_GROUPS['msk'] in src/domain/conditionGroups.ts."
* ^experimental = false
* include codes from system $icd10 where concept is-a #M00-M99
* $sct#928000 "Disorder of musculoskeletal system"
* $sct#279039007 "Low back pain"
* $sct#278860009 "Chronic low back pain"
* $sct#161891005 "Backache"
* $sct#23056005 "Sciatica"
* $sct#81680005 "Neck pain"
* $sct#45326000 "Shoulder pain"
* $sct#30989003 "Knee pain"
* $sct#57676002 "Pain of joint"
* $sct#68962001 "Muscle pain"
* $sct#69896004 "Rheumatoid arthritis"
* $sct#396275006 "Osteoarthritis"
* $sct#239873007 "Osteoarthritis of knee"
* $sct#239872002 "Osteoarthritis of hip"
* $sct#203082005 "Fibromyalgia"
* $sct#202855006 "Lateral epicondylitis"
* $sct#57406009 "Carpal tunnel syndrome"
* $sct#90560007 "Gout"

ValueSet: ConditionGroupMentalHealth
Id: condition-group-mental-health
Title: "Mental health conditions"
Description: "Condition group \"mental-health\" used by prompt rules and provider eligibility: ICD-10 F00–F99 and common SNOMED CT concepts (SNOMED subsumption is not evaluated; the list is enumerated). Equal to CONDITION_GROUPS['mental-health'] in src/domain/conditionGroups.ts."
* ^experimental = false
* include codes from system $icd10 where concept is-a #F00-F99
* $sct#74732009 "Mental disorder"
* $sct#35489007 "Depressive disorder"
* $sct#370143000 "Major depressive disorder"
* $sct#36923009 "Major depression, single episode"
* $sct#197480006 "Anxiety disorder"
* $sct#21897009 "Generalized anxiety disorder"
* $sct#231504006 "Mixed anxiety and depressive disorder"
* $sct#371631005 "Panic disorder"
* $sct#73595000 "Stress"
* $sct#47505003 "Posttraumatic stress disorder"
* $sct#191736004 "Obsessive-compulsive disorder"
* $sct#13746004 "Bipolar disorder"
* $sct#58214004 "Schizophrenia"
* $sct#69322001 "Psychotic disorder"
* $sct#7200002 "Alcoholism"
* $sct#66590003 "Alcohol dependence"
