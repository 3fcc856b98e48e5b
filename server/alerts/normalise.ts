/**
 * One normal form for a message and for every dictionary term, so that a term matches however
 * it was typed: NFKC (full-width letters, digits and punctuation become half-width, ① becomes 1),
 * lower case, traditional characters folded to simplified (the few hundred that occur in the
 * rule file's vocabulary and everyday complaint language: not a full converter), and every
 * character that is not a letter or a digit dropped (spaces, punctuation, emoji and the
 * zero-width characters people insert between 自 and 杀 to slip past a filter). A run of one
 * character collapses to one (跳跳跳楼, kiiill): terms are normalised the same way, so 天天 in a
 * term still meets 天天 in a message. Leetspeak digits next to a Latin letter become letters
 * (k1ll, su1c1de, 0verdose) — a digit among digits or Chinese stays a digit (500人).
 *
 * Per call it is one pass over the code points with table lookups: measured with the matcher in
 * rules.test.ts (µs per message printed there).
 */

// Traditional -> simplified, for characters of the risk vocabulary and common complaint language.
const T2S_PAIRS =
  '殺杀們们鬧闹樓楼輕轻訪访記记體体報报導导傷伤髮发發发話话說说這这個个來来會会對对時时後后麼么沒没為为' +
  '過过還还讓让給给從从動动問问題题間间長长開开關关與与點点實实現现處处應应該该經经種种樣样錢钱資资' +
  '薪薪勞劳動动糾纠紛纷討讨債债欠欠拖拖廠厂闆板辦办員员單单職职聯联絡络組组織织集集結结遊游擊击舉举' +
  '幫帮隊队爭争權权維维護护罷罢領领導导媒媒記记者者曝曝網网絡络視视頻频聞闻論论壇坛熱热搜搜轉转發发' +
  '絕绝望望悶闷煩烦瘋疯狂狂氣气憤愤恨恨報报復复仇仇滅灭燒烧炸炸彈弹毀毁槍枪刀刀砍砍捅捅傷伤害害' +
  '跳跳樓楼藥药農农喝喝毒毒割割腕腕臥卧軌轨淹淹溺溺吊吊繩绳結结束束輕轻生生遺遗書书別别世世' +
  '孩孩兒儿童童虐虐待待猥猥褻亵侵侵犯犯學学校校師师監监護护餓饿鎖锁拐拐賣卖綁绑架架' +
  '憲宪訴诉願愿區区縣县鄉乡鎮镇街街門门堵堵圍围攔拦靜静坐坐訪访聚聚眾众鬧闹' +
  '敗败壞坏騙骗詐诈偷偷搶抢竊窃愛爱戀恋婚婚離离歲岁孫孙親亲財财產产屬属證证據据罰罚費费買买賠赔償偿';

const T2S_MORE = '幾几 萬万 億亿 兩两 裡里 號号 錯错 難难 邊边 車车 無无 東东 頭头 腦脑 醫医 療疗 險险 錄录 認认 識识 議议 請请 謝谢 誰谁 讀读 語语 談谈 畫画 電电 臺台 風风 飛飞 飯饭 館馆 驗验 鬥斗 齊齐 龍龙 華华 葉叶 蘭兰 藝艺 蟲虫 補补 裝装 覺觉 觀观 計计 設设 許许 貨货 貴贵 賬账 質质 趕赶 躍跃 軟软 較较 載载 輛辆 運运 連连 進进 遠远 違违 適适 選选 鄰邻 鐵铁 鋼钢 鍵键 閉闭 陽阳 陰阴 隨随 際际 雙双 雜杂 雞鸡 靈灵 響响 頁页 項项 順顺 須须 顧顾 顯显 養养 餘余 馬马 駕驾 騷骚 驚惊 髒脏 鬆松 魚鱼 鳥鸟 黃黄 齡龄 穩稳 積积 稅税 筆笔 節节 範范 簽签 糧粮 純纯 紙纸 級级 細细 終终 統统 絲丝 綫线 線线 練练 總总 績绩 續续 義义 習习 聽听 膽胆 興兴 舊旧 艱艰 衛卫 衝冲 製制 複复 見见 規规 訂订 託托 診诊 詢询 試试 詳详 誤误 調调 諮咨 謀谋 變变 貧贫 貸贷 貼贴 賭赌 贏赢 齒齿 傳传 傾倾 僅仅 優优 兇凶 凍冻 則则 剛刚 劃划 勁劲 勝胜 勢势 勵励 協协 卻却 厭厌 參参 雖虽 嗎吗 嚇吓 嚴严 團团 國国 圖图 圓圆 執执 堅坚 場场 塊块 壓压 夢梦 奪夺 婦妇 媽妈 嬰婴 寧宁 審审 寫写 寶宝 將将 專专 尋寻 屍尸 層层 島岛 帶带 幣币 廣广 張张 強强 徑径 態态 懷怀 懼惧 戰战 戲戏 擔担 擋挡 擇择 擁拥 攤摊 敵敌 數数 斷断 於于 曉晓 極极 構构 樂乐 標标 機机 檢检 歡欢 歸归 殘残 毆殴 決决 況况 滿满 漲涨 濟济 災灾 烏乌 爺爷 牆墙 獄狱 獎奖 獨独 環环 畢毕 異异 當当 疊叠 癢痒 盜盗 盡尽 盤盘 確确 禍祸 禮礼 稱称 窮穷 競竞 紀纪 約约 紅红 納纳 緊紧 編编 緣缘 繼继 聲声 肅肃 脅胁 腳脚 臉脸 臨临 蘇苏 術术 襲袭 詛诅 誘诱 謊谎 譴谴 讚赞 豐丰 賊贼 賺赚 購购 趙赵 辭辞 郵邮 醜丑 釋释 針针 銀银 閒闲 陣阵 隻只 雲云 頓顿 顏颜 飽饱 鬱郁 麥麦 絕绝 債债 闆板 廠厂 槍枪 彈弹 毀毁 繩绳 遺遗 別别 虐虐 褻亵 賣卖 綁绑 憲宪 訴诉 願愿 區区 縣县 鄉乡 鎮镇 門门 圍围 攔拦 靜静 眾众 敗败 壞坏 騙骗 詐诈 搶抢 竊窃 愛爱 戀恋 離离 歲岁 孫孙 親亲 財财 產产 屬属 證证 據据 罰罚 費费 買买 賠赔 償偿 學学 師师 監监 護护 餓饿 鎖锁 兒儿 農农 藥药 臥卧 軌轨 書书 燒烧 滅灭 復复 氣气 憤愤 瘋疯 煩烦 悶闷 壇坛 熱热 轉转 論论 聞闻 視视 頻频 網网 絡络 維维 權权 爭争 隊队 幫帮 舉举 擊击 遊游 結结 織织 組组 聯联 職职 單单 員员 辦办 討讨 糾纠 紛纷 勞劳';

const T2S = new Map<number, number>();
for (const pairs of [T2S_PAIRS, T2S_MORE.replaceAll(' ', '')]) {
  for (let i = 0; i + 1 < pairs.length; i += 2) {
    const t = pairs.codePointAt(i) as number;
    const s = pairs.codePointAt(i + 1) as number;
    if (t !== s) T2S.set(t, s);
  }
}

const LEET: ReadonlyMap<number, number> = new Map(
  [['0', 'o'], ['1', 'i'], ['3', 'e'], ['4', 'a'], ['5', 's'], ['7', 't'], ['@', 'a'], ['$', 's']].map(([d, l]) => [(d as string).charCodeAt(0), (l as string).charCodeAt(0)]),
);

const isAsciiLetter = (cp: number) => (cp >= 97 && cp <= 122) || (cp >= 65 && cp <= 90);
const LETTER_OR_DIGIT = /[\p{L}\p{N}]/u;
/** Code points below 0x3000 that are letters/digits, decided once (the loop's hot path is ASCII and CJK). */
const KEEP_LOW = new Uint8Array(0x3000);
for (let cp = 0; cp < 0x3000; cp++) KEEP_LOW[cp] = LETTER_OR_DIGIT.test(String.fromCodePoint(cp)) ? 1 : 0;

function keeps(cp: number): boolean {
  if (cp < 0x3000) return KEEP_LOW[cp] === 1;
  if (cp >= 0x4e00 && cp <= 0x9fff) return true; // CJK unified ideographs
  return LETTER_OR_DIGIT.test(String.fromCodePoint(cp));
}

/** The normal form of `text` (see the file comment). */
export function normalise(text: string): string {
  const src = text.normalize('NFKC').toLowerCase();
  // Pass 1: the code points that count (letters, digits, leet symbols), everything else dropped.
  const cps: number[] = [];
  for (const ch of src) {
    const cp = ch.codePointAt(0) as number;
    if (cp === 64 || cp === 36) cps.push(cp); // @ and $ may be leet for a and s
    else if (keeps(cp)) cps.push(T2S.get(cp) ?? cp);
  }
  // Pass 2: leet next to a Latin letter, @/$ elsewhere dropped, runs collapsed.
  let out = '';
  let last = -1;
  for (let i = 0; i < cps.length; i++) {
    let cp = cps[i] as number;
    const leet = LEET.get(cp);
    if (leet !== undefined) {
      const near = isAsciiLetter(cps[i - 1] ?? 0) || isAsciiLetter(cps[i + 1] ?? 0);
      if (near) cp = leet;
      else if (cp === 64 || cp === 36) continue;
    }
    // Digits are never collapsed: 300 is not 30.
    if (cp === last && !(cp >= 48 && cp <= 57)) continue;
    last = cp;
    out += String.fromCodePoint(cp);
  }
  return out;
}
