/**
 * Table 1 of the S2-Transformer paper (/work/shared/paper/s2-transformer-paper.txt): PSNR (dB) on the
 * ten KAIST simulation scenes (256 x 256 x 28, standard mask), as published. These are the authors'
 * numbers for their own protocol, shown for context only: they were not reproduced here.
 */
export const PUBLISHED_TABLE_1 = {
  source:
    'S2-Transformer paper, Table 1: PSNR (dB) on the 10 KAIST simulation scenes (published, not reproduced here)',
  scenes: [
    'scene01',
    'scene02',
    'scene03',
    'scene04',
    'scene05',
    'scene06',
    'scene07',
    'scene08',
    'scene09',
    'scene10',
  ],
  methods: {
    'GAP-TV': { psnr: [26.82, 22.89, 26.31, 30.65, 23.64, 21.85, 23.76, 21.98, 22.63, 23.1], mean: 24.36 },
    DeSCI: { psnr: [27.13, 23.04, 26.62, 34.96, 23.94, 22.38, 24.45, 22.03, 24.56, 23.59], mean: 25.27 },
    'TSA-Net': { psnr: [32.03, 31.0, 32.25, 39.19, 29.39, 31.44, 30.32, 29.35, 30.01, 29.59], mean: 31.46 },
    DGSMP: { psnr: [33.26, 32.09, 33.06, 40.54, 28.86, 33.08, 30.74, 31.55, 31.66, 31.44], mean: 32.63 },
    SRN: {
      psnr: [34.96, 35.46, 36.18, 41.6, 32.7, 34.7, 33.83, 32.88, 35.09, 32.31],
      mean: 35.07,
      note: 'as printed; the ten scene values average to 34.97',
    },
    HDNet: { psnr: [35.14, 35.67, 36.03, 42.3, 32.69, 34.5, 33.67, 32.48, 34.89, 32.38], mean: 34.97 },
    MST: { psnr: [35.4, 35.87, 36.51, 42.27, 32.77, 34.8, 33.66, 32.67, 35.39, 32.5], mean: 35.18 },
    CST: { psnr: [35.89, 36.82, 38.2, 42.38, 33.16, 35.71, 34.87, 34.3, 36.44, 33.03], mean: 36.08 },
    'S2-Transformer': {
      psnr: [36.17, 37.57, 37.29, 42.96, 34.4, 36.44, 35.41, 34.5, 36.54, 33.57],
      mean: 36.48,
    },
  } as Record<string, { psnr: number[]; mean: number; note?: string }>,
};
