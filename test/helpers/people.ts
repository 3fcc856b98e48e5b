import type { DevClaims } from '../../server/auth/dev-identity.ts';

export const citizen = (id = 'C1', name = '张三'): DevClaims => ({ sub: id, role: 'citizen', name, region: '320200' });
export const lawyer = (id = 'L1', name = '王律师', categories: DevClaims['categories'] = ['labor', 'family']): DevClaims => ({
  sub: id,
  role: 'lawyer',
  name,
  categories,
  region: '320200',
});
export const assistant = (id: string, lawyerId = 'L1'): DevClaims => ({ sub: id, role: 'assistant', name: `助理${id}`, lawyerId });
export const supervisor = (id = 'S1'): DevClaims => ({ sub: id, role: 'supervisor', name: '督导' });
