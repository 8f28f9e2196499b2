// web/js/i18n_damage.js: the words of damaged media and of a copy that stalled (media/damage.h,
// ingest/prefix.h), merged into the one dictionary by i18n.js. Every code the server sends
// has its rendering here; the server's own English sentence is shown beside it as the detail.

export const zhDamage = {
  'flag.damaged': '文件已损坏',
  'damage.truncated': '文件不完整：复制或录制中途中断，文件被截断',
  'damage.no_index': '缺少索引（moov）：录制中断或未正常结束',
  'damage.index_past_end': '索引指向文件末尾之外：复制或录制中途中断',
  'damage.unreadable': '无法打开此音视频文件：文件已损坏',
  'damage.decode_errors': '开头的数据无法解码：录像已损坏',
  'damage.kept': '原始文件已按收到时的原样保存。',
  'item.damaged': '此文件已损坏',
  'action.stalled_copy': '中断后重新上传',
  'stalled.whole': '此前同名上传的文件是本文件的开头部分：复制曾经中断，本文件是完整的一份。片段：',
  'stalled.fragment': '之后同名上传的文件以本文件的全部字节开头：复制曾经中断，完整的一份是：',
};

export const enDamage = {
  'flag.damaged': 'damaged',
  'damage.truncated': 'The file is incomplete: the copy or the recording was cut off',
  'damage.no_index': 'The index (moov) is missing: the recording was cut off or never finished',
  'damage.index_past_end': 'The index points past the end of the file: the copy or the recording was cut off',
  'damage.unreadable': 'This recording cannot be opened: the file is damaged',
  'damage.decode_errors': 'Its first packets do not decode: the recording is damaged',
  'damage.kept': 'The original is kept exactly as it came.',
  'item.damaged': 'This file is damaged',
  'action.stalled_copy': 'copy that stalled',
  'stalled.whole': 'An earlier upload of this name was a prefix of this one: a copy that stalled, and this is the whole. Fragment: ',
  'stalled.fragment': 'A later upload of this name begins with all of this one: a copy that stalled. The whole: ',
};
