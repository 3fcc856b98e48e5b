/**
 * Names of GB/T 2260 administrative divisions, for display: every province-level division, and
 * the prefecture-level cities of Jiangsu (320000), the province the default deployment serves
 * (dev tokens carry 320200, Wuxi). A county is shown as its city; a code below a province whose
 * cities are not listed, as its province. zh-CN and English, as the categories are.
 */
const PROVINCES: Readonly<Record<string, { 'zh-CN': string; en: string }>> = {
  '11': { 'zh-CN': '北京市', en: 'Beijing' },
  '12': { 'zh-CN': '天津市', en: 'Tianjin' },
  '13': { 'zh-CN': '河北省', en: 'Hebei' },
  '14': { 'zh-CN': '山西省', en: 'Shanxi' },
  '15': { 'zh-CN': '内蒙古自治区', en: 'Inner Mongolia' },
  '21': { 'zh-CN': '辽宁省', en: 'Liaoning' },
  '22': { 'zh-CN': '吉林省', en: 'Jilin' },
  '23': { 'zh-CN': '黑龙江省', en: 'Heilongjiang' },
  '31': { 'zh-CN': '上海市', en: 'Shanghai' },
  '32': { 'zh-CN': '江苏省', en: 'Jiangsu' },
  '33': { 'zh-CN': '浙江省', en: 'Zhejiang' },
  '34': { 'zh-CN': '安徽省', en: 'Anhui' },
  '35': { 'zh-CN': '福建省', en: 'Fujian' },
  '36': { 'zh-CN': '江西省', en: 'Jiangxi' },
  '37': { 'zh-CN': '山东省', en: 'Shandong' },
  '41': { 'zh-CN': '河南省', en: 'Henan' },
  '42': { 'zh-CN': '湖北省', en: 'Hubei' },
  '43': { 'zh-CN': '湖南省', en: 'Hunan' },
  '44': { 'zh-CN': '广东省', en: 'Guangdong' },
  '45': { 'zh-CN': '广西壮族自治区', en: 'Guangxi' },
  '46': { 'zh-CN': '海南省', en: 'Hainan' },
  '50': { 'zh-CN': '重庆市', en: 'Chongqing' },
  '51': { 'zh-CN': '四川省', en: 'Sichuan' },
  '52': { 'zh-CN': '贵州省', en: 'Guizhou' },
  '53': { 'zh-CN': '云南省', en: 'Yunnan' },
  '54': { 'zh-CN': '西藏自治区', en: 'Xizang' },
  '61': { 'zh-CN': '陕西省', en: 'Shaanxi' },
  '62': { 'zh-CN': '甘肃省', en: 'Gansu' },
  '63': { 'zh-CN': '青海省', en: 'Qinghai' },
  '64': { 'zh-CN': '宁夏回族自治区', en: 'Ningxia' },
  '65': { 'zh-CN': '新疆维吾尔自治区', en: 'Xinjiang' },
  '71': { 'zh-CN': '台湾省', en: 'Taiwan' },
  '81': { 'zh-CN': '香港特别行政区', en: 'Hong Kong' },
  '82': { 'zh-CN': '澳门特别行政区', en: 'Macao' },
};

const CITIES: Readonly<Record<string, { 'zh-CN': string; en: string }>> = {
  '3201': { 'zh-CN': '南京市', en: 'Nanjing' },
  '3202': { 'zh-CN': '无锡市', en: 'Wuxi' },
  '3203': { 'zh-CN': '徐州市', en: 'Xuzhou' },
  '3204': { 'zh-CN': '常州市', en: 'Changzhou' },
  '3205': { 'zh-CN': '苏州市', en: 'Suzhou' },
  '3206': { 'zh-CN': '南通市', en: 'Nantong' },
  '3207': { 'zh-CN': '连云港市', en: 'Lianyungang' },
  '3208': { 'zh-CN': '淮安市', en: "Huai'an" },
  '3209': { 'zh-CN': '盐城市', en: 'Yancheng' },
  '3210': { 'zh-CN': '扬州市', en: 'Yangzhou' },
  '3211': { 'zh-CN': '镇江市', en: 'Zhenjiang' },
  '3212': { 'zh-CN': '泰州市', en: 'Taizhou' },
  '3213': { 'zh-CN': '宿迁市', en: 'Suqian' },
};

/** The name of a region code in `lang` (江苏省无锡市, "Wuxi, Jiangsu"), or undefined for a province not in GB/T 2260. */
export function regionName(code: string, lang: 'zh-CN' | 'en'): string | undefined {
  const province = PROVINCES[code.slice(0, 2)];
  if (!province) return undefined;
  const city = code.slice(2, 4) === '00' ? undefined : CITIES[code.slice(0, 4)];
  if (!city) return province[lang];
  return lang === 'zh-CN' ? `${province[lang]}${city[lang]}` : `${city[lang]}, ${province[lang]}`;
}
