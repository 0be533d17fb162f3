"""Vocabularies for the deterministic demo-city generator: names, places, departments, projects.

All people, enterprises, employers, brand names (字号) and projects built from these lists are
fictional. District names, department names and the universities are public institutions of
Zibo (淄博); street names are plausible but addresses are not meant to be exact. Zone
boundaries in ``DISTRICT_ADJACENCY`` are approximate.

The module holds only immutable data (tuples, strings and frozensets) and has no side effects,
so the generator alone decides how to draw from it (with its own seeded random source).

Project name patterns use the placeholders ``{n}``, ``{unit}`` and ``{product}``; fill them
with ``pattern.format(n=..., unit=..., product=...)`` from one entry of ``PRODUCTS``.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------

#: Common surnames, roughly by national frequency, with a few compound ones at the end.
SURNAMES: tuple[str, ...] = (
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
    "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
    "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
    "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
    "余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈",
    "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
    "石", "廖", "贾", "夏", "付", "方", "白", "邹", "孟", "秦",
    "邱", "尹", "薛", "闫", "段", "侯", "毕", "翟", "宫", "房",
    "欧阳", "司马", "诸葛",
)  # fmt: skip

#: Characters used in given names (one or two are combined), male-leaning first, then
#: female-leaning, then neutral.
GIVEN_CHARS: tuple[str, ...] = (
    # typically male
    "伟", "强", "磊", "军", "勇", "杰", "涛", "斌", "超", "明",
    "刚", "平", "辉", "鹏", "华", "飞", "鑫", "波", "宇", "浩",
    "凯", "健", "俊", "帆", "帅", "旭", "龙", "阳", "建", "国",
    "峰", "成", "亮", "志", "海", "东", "博", "昊", "轩", "泽",
    "睿", "哲", "毅", "翔", "光", "庆", "振", "兴", "德", "永",
    "忠", "祥", "胜", "利", "金", "山", "江", "松", "昌", "顺",
    "彬", "坤", "栋", "锋", "岩",
    # typically female
    "芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "燕", "玲",
    "婷", "雪", "慧", "颖", "琳", "倩", "洁", "莉", "萍", "红",
    "梅", "兰", "凤", "琴", "云", "璐", "蕾", "薇", "欣", "怡",
    "彤", "悦", "萱", "涵", "雯", "菲", "妍", "岚", "晶", "珊",
    "瑶", "琪", "月", "茜", "丹", "蓉", "莹", "婧", "媛", "娇",
    # neutral
    "文", "晨", "然", "瑞", "晓", "春", "新", "洋", "宁", "林",
    "子", "思", "雨", "一", "天", "心", "安", "嘉", "景", "秋",
    "冬", "正", "清", "亦", "可", "若", "诗", "书", "远", "诚",
    "信", "宏", "达", "佳", "楠",
)  # fmt: skip

# ---------------------------------------------------------------------------------------------
# Districts and zones (区县)
# ---------------------------------------------------------------------------------------------

#: (code, Chinese name, English name, kind); kind is "district" (counties included) or "zone".
DISTRICTS: tuple[tuple[str, str, str, str], ...] = (
    ("zhangdian", "张店区", "Zhangdian District", "district"),
    ("zichuan", "淄川区", "Zichuan District", "district"),
    ("boshan", "博山区", "Boshan District", "district"),
    ("linzi", "临淄区", "Linzi District", "district"),
    ("zhoucun", "周村区", "Zhoucun District", "district"),
    ("huantai", "桓台县", "Huantai County", "district"),
    ("gaoqing", "高青县", "Gaoqing County", "district"),
    ("yiyuan", "沂源县", "Yiyuan County", "district"),
    ("hightech", "高新区", "High-tech Zone", "zone"),
    ("jingkai", "经济开发区", "Economic Development Zone", "zone"),
    ("wenchanghu", "文昌湖区", "Wenchang Lake Zone", "zone"),
)

#: Unordered pairs of neighbouring districts, each listed once. Gaoqing touches only Huantai
#: inside the city (Binzhou's Boxing lies between it and Linzi); the zones' borders are
#: approximate.
DISTRICT_ADJACENCY: tuple[tuple[str, str], ...] = (
    ("zhangdian", "zichuan"),
    ("zhangdian", "zhoucun"),
    ("zhangdian", "linzi"),
    ("zhangdian", "huantai"),
    ("zhangdian", "hightech"),
    ("zhangdian", "jingkai"),
    ("zichuan", "boshan"),
    ("zichuan", "zhoucun"),
    ("zichuan", "linzi"),
    ("zichuan", "wenchanghu"),
    ("zichuan", "jingkai"),
    ("boshan", "yiyuan"),
    ("linzi", "huantai"),
    ("linzi", "hightech"),
    ("linzi", "jingkai"),
    ("zhoucun", "wenchanghu"),
    ("zhoucun", "hightech"),
    ("huantai", "gaoqing"),
    ("huantai", "hightech"),
)

#: (district code, road/street names) for addresses of enterprises, project sites and halls.
DISTRICT_STREETS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("zhangdian", ("人民西路", "柳泉路", "华光路", "联通路", "共青团路", "金晶大道", "西五路")),
    ("zichuan", ("般阳路", "松龄路", "淄城路", "洪山路", "峨眉山路", "西寺路")),
    ("boshan", ("中心路", "新建二路", "白虎山路", "沿河东路", "青年路", "山头路")),
    ("linzi", ("临淄大道", "桓公路", "齐兴路", "晏婴路", "牛山路", "稷下路")),
    ("zhoucun", ("正阳路", "新建中路", "丝绸路", "太和路", "棉麻路", "商业街")),
    ("huantai", ("少海路", "建设街", "中心大街", "张北路", "东岳路", "渔洋街")),
    ("gaoqing", ("青城路", "黄河路", "高苑路", "芦湖路", "广场路", "千乘路")),
    ("yiyuan", ("鲁山路", "沂河路", "胜利路", "振兴路", "历山路", "健康路")),
    ("hightech", ("柳毅山路", "青龙山路", "政通路", "宝山路", "泰美路", "中润大道")),
    ("jingkai", ("沣水大道", "傅山路", "南定路", "双杨路", "中埠路", "经开大道")),
    ("wenchanghu", ("商家大道", "萌水路", "文昌湖大道", "王村路", "西郊路", "湖滨路")),
)

#: The city-level government service hall (市政务服务中心) and the district it stands in.
CITY_HALL: str = "淄博市政务服务中心"
CITY_HALL_DISTRICT: str = "zhangdian"

#: (district code, address of the district's government service hall); the street in brackets
#: is one of that district's ``DISTRICT_STREETS``.
DISTRICT_HALLS: tuple[tuple[str, str], ...] = (
    ("zhangdian", "张店区政务服务中心（人民西路）"),
    ("zichuan", "淄川区政务服务中心（般阳路）"),
    ("boshan", "博山区政务服务中心（中心路）"),
    ("linzi", "临淄区政务服务中心（临淄大道）"),
    ("zhoucun", "周村区政务服务中心（正阳路）"),
    ("huantai", "桓台县政务服务中心（少海路）"),
    ("gaoqing", "高青县政务服务中心（青城路）"),
    ("yiyuan", "沂源县政务服务中心（鲁山路）"),
    ("hightech", "高新区政务服务中心（柳毅山路）"),
    ("jingkai", "经济开发区政务服务中心（沣水大道）"),
    ("wenchanghu", "文昌湖区政务服务中心（商家大道）"),
)

# ---------------------------------------------------------------------------------------------
# Departments (部门) and what they approve
# ---------------------------------------------------------------------------------------------

#: (code, full Chinese name as the 2020 notice writes it, colloquial short name, English name).
DEPARTMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("fgw", "市发展改革委", "发改委", "Development and Reform Commission"),
    ("gxj", "市工业和信息化局", "工信局", "Industry and Information Technology Bureau"),
    ("zrzyj", "市自然资源局", "自然资源局", "Natural Resources Bureau"),
    ("sthjj", "市生态环境局", "生态环境局", "Ecology and Environment Bureau"),
    ("zjj", "市住房城乡建设局", "住建局", "Housing and Urban-Rural Development Bureau"),
    ("jtj", "市交通运输局", "交通局", "Transport Bureau"),
    ("slj", "市水利局", "水利局", "Water Resources Bureau"),
    ("whlyj", "市文化和旅游局", "文旅局", "Culture and Tourism Bureau"),
    ("yjj", "市应急管理局", "应急局", "Emergency Management Bureau"),
    ("spj", "市行政审批服务局", "审批服务局", "Administrative Approval Services Bureau"),
    ("gaj", "市国家安全局", "国安局", "State Security Bureau"),
    ("qxj", "市气象局", "气象局", "Meteorological Bureau"),
)

#: (department code, typical approval items that department handles for an enterprise project).
PENDING_ITEMS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        "fgw",
        (
            "企业投资项目核准",
            "企业投资项目备案",
            "固定资产投资项目节能审查",
            "项目招标方案核准",
            "重大项目社会稳定风险评估",
        ),
    ),
    (
        "gxj",
        (
            "工业企业技术改造项目备案",
            "化工投资项目审查",
            "重点行业产能置换方案确认",
            "工业重大项目认定",
        ),
    ),
    (
        "zrzyj",
        (
            "建设项目用地预审与选址意见书",
            "建设用地规划许可证核发",
            "建设工程规划许可证核发",
            "国有建设用地使用权出让",
            "规划条件核实",
            "不动产首次登记",
        ),
    ),
    (
        "sthjj",
        (
            "建设项目环境影响评价文件审批",
            "排污许可证核发",
            "辐射安全许可证核发",
            "危险废物经营许可证核发",
        ),
    ),
    (
        "zjj",
        (
            "建筑工程施工许可证核发",
            "建设工程消防设计审查",
            "建设工程消防验收",
            "施工图设计文件审查",
            "人民防空工程建设审批",
            "竣工验收备案",
        ),
    ),
    (
        "jtj",
        (
            "涉路施工许可",
            "公路建筑控制区内设施审批",
            "超限运输车辆通行许可",
            "道路货物运输经营许可",
        ),
    ),
    (
        "slj",
        (
            "生产建设项目水土保持方案审批",
            "取水许可",
            "洪水影响评价类审批",
            "河道管理范围内建设项目审批",
        ),
    ),
    (
        "whlyj",
        (
            "建设工程文物影响评估审核",
            "文物保护单位建设控制地带内工程设计方案审核",
            "大型基本建设工程考古调查勘探",
            "旅游项目备案",
        ),
    ),
    (
        "yjj",
        (
            "危险化学品建设项目安全条件审查",
            "危险化学品建设项目安全设施设计审查",
            "危险化学品安全使用许可",
            "非煤矿山建设项目安全设施设计审查",
            "安全生产许可证核发",
        ),
    ),
    (
        "spj",
        (
            "投资项目综合受理",
            "企业开办一站式服务",
            "工程建设项目联合验收",
            "施工图联合审查",
            "食品生产许可",
            "药品生产许可",
        ),
    ),
    (
        "gaj",
        (
            "涉及国家安全事项的建设项目许可",
            "重要军事设施及涉密单位周边建设项目审查",
        ),
    ),
    (
        "qxj",
        (
            "雷电防护装置设计审核",
            "雷电防护装置竣工验收",
            "气候可行性论证",
        ),
    ),
)

# ---------------------------------------------------------------------------------------------
# Expert pool (审批专家库)
# ---------------------------------------------------------------------------------------------

#: (code, Chinese name, English name, related department code).
SPECIALTIES: tuple[tuple[str, str, str, str], ...] = (
    ("eia", "环境影响评价", "Environmental impact assessment", "sthjj"),
    ("pollution_control", "污染防治工程", "Pollution control engineering", "sthjj"),
    ("radiation", "辐射安全", "Radiation safety", "sthjj"),
    ("safety", "安全评价", "Safety assessment", "yjj"),
    ("occupational_health", "职业卫生", "Occupational health", "yjj"),
    ("hazchem", "危险化学品安全", "Hazardous chemicals safety", "yjj"),
    ("mine_safety", "非煤矿山安全", "Non-coal mine safety", "yjj"),
    ("energy_saving", "节能评估", "Energy-saving assessment", "fgw"),
    ("investment", "投资评估", "Investment appraisal", "fgw"),
    ("finance", "财务评价", "Financial evaluation", "fgw"),
    ("fire", "消防", "Fire protection", "zjj"),
    ("structural", "结构工程", "Structural engineering", "zjj"),
    ("geotechnical", "岩土工程", "Geotechnical engineering", "zjj"),
    ("architecture", "建筑设计", "Architectural design", "zjj"),
    ("municipal", "市政工程", "Municipal engineering", "zjj"),
    ("hvac", "暖通给排水", "HVAC and plumbing", "zjj"),
    ("soil_water", "水土保持", "Soil and water conservation", "slj"),
    ("flood", "防洪评价", "Flood impact assessment", "slj"),
    ("water_resources", "水资源论证", "Water resources assessment", "slj"),
    ("traffic_impact", "交通影响评价", "Traffic impact assessment", "jtj"),
    ("highway", "公路工程", "Highway engineering", "jtj"),
    ("spatial_planning", "国土空间规划", "Territorial spatial planning", "zrzyj"),
    ("surveying", "测绘", "Surveying and mapping", "zrzyj"),
    ("geohazard", "地质灾害评估", "Geological hazard assessment", "zrzyj"),
    ("mineral", "矿产资源", "Mineral resources", "zrzyj"),
    ("chemical_process", "化工工艺", "Chemical process engineering", "gxj"),
    ("petrochemical", "石油化工", "Petrochemical engineering", "gxj"),
    ("mechanical", "机械制造", "Mechanical manufacturing", "gxj"),
    ("electrical", "电气工程", "Electrical engineering", "gxj"),
    ("new_materials", "新材料", "New materials", "gxj"),
    ("ceramics_glass", "陶瓷玻璃", "Ceramics and glass", "gxj"),
    ("electronics", "电子信息", "Electronic information", "gxj"),
    ("pharma", "医药", "Pharmaceuticals", "spj"),
    ("food_safety", "食品安全", "Food safety", "spj"),
    ("law", "法律", "Law", "spj"),
    ("cultural_relics", "文物保护", "Cultural relics protection", "whlyj"),
    ("tourism_planning", "旅游规划", "Tourism planning", "whlyj"),
    ("lightning", "防雷", "Lightning protection", "qxj"),
    ("climate", "气候可行性论证", "Climate feasibility assessment", "qxj"),
    ("security_tech", "安全防范技术", "Security and protection technology", "gaj"),
)

#: Groups of specialties that tend to be held by the same expert; every specialty is in at
#: least one group, so drawing an expert's specialties from one or two groups gives realistic
#: overlap between the pools of different reviews.
SPECIALTY_CLUSTERS: tuple[tuple[str, ...], ...] = (
    ("safety", "occupational_health", "fire"),
    ("safety", "hazchem", "chemical_process"),
    ("chemical_process", "petrochemical", "hazchem"),
    ("safety", "mine_safety", "mineral"),
    ("geotechnical", "structural"),
    ("structural", "architecture", "fire"),
    ("architecture", "hvac", "energy_saving"),
    ("municipal", "highway", "traffic_impact"),
    ("soil_water", "flood", "water_resources"),
    ("eia", "pollution_control"),
    ("eia", "radiation", "occupational_health"),
    ("eia", "soil_water", "water_resources"),
    ("spatial_planning", "surveying"),
    ("surveying", "geohazard", "geotechnical"),
    ("geohazard", "mineral"),
    ("mechanical", "electrical", "energy_saving"),
    ("new_materials", "ceramics_glass", "chemical_process"),
    ("pharma", "chemical_process", "food_safety"),
    ("electronics", "electrical", "security_tech"),
    ("lightning", "electrical", "climate"),
    ("cultural_relics", "tourism_planning", "architecture"),
    ("investment", "finance", "law"),
    ("investment", "energy_saving"),
)

#: (Chinese name, kind, district code). The universities are real public institutions; every
#: other employer is invented in the usual naming style.
EXPERT_EMPLOYERS: tuple[tuple[str, str, str], ...] = (
    # universities and colleges
    ("山东理工大学", "university", "zhangdian"),
    ("淄博职业学院", "university", "zhangdian"),
    ("山东工业职业学院", "university", "zhoucun"),
    # research institutes
    ("淄博澜清环境科学研究院有限公司", "institute", "zhangdian"),
    ("淄博恒晟化工技术研究院有限公司", "institute", "linzi"),
    ("淄博琉光陶瓷玻璃材料研究所", "institute", "boshan"),
    ("淄博鼎新新材料产业技术研究院", "institute", "hightech"),
    ("淄博安澜安全生产技术研究院有限公司", "institute", "zhangdian"),
    ("淄博岱源地质工程勘察院", "institute", "boshan"),
    ("淄博澄川医药技术研究所有限公司", "institute", "yiyuan"),
    # design institutes
    ("淄博鸿筑建筑设计研究院有限公司", "design", "zhangdian"),
    ("淄博齐衢市政工程设计院有限公司", "design", "zhangdian"),
    ("淄博鲁源化工设计院有限公司", "design", "linzi"),
    ("淄博瑞构工程勘察设计有限公司", "design", "hightech"),
    ("淄博衡通交通规划设计院有限公司", "design", "zhoucun"),
    ("淄博远景城乡规划设计研究院有限公司", "design", "jingkai"),
    ("淄博澄泉水利勘测设计有限公司", "design", "huantai"),
    ("淄博清衡电力工程设计有限公司", "design", "hightech"),
    ("淄博锦图测绘地理信息有限公司", "design", "zichuan"),
    # consultancies
    ("淄博安泽安全评价有限公司", "consultancy", "zhangdian"),
    ("淄博绿洲环保科技咨询有限公司", "consultancy", "zhangdian"),
    ("淄博卫康职业卫生技术服务有限公司", "consultancy", "zichuan"),
    ("淄博节源能源评估咨询有限公司", "consultancy", "hightech"),
    ("淄博诚衡工程造价咨询有限公司", "consultancy", "zhangdian"),
    ("淄博广拓工程项目管理咨询有限公司", "consultancy", "jingkai"),
    ("淄博稷古文物保护工程有限公司", "consultancy", "linzi"),
    ("淄博安固消防技术服务有限公司", "consultancy", "zhoucun"),
    ("淄博沂青水保生态工程咨询有限公司", "consultancy", "yiyuan"),
    ("淄博雷盾防雷检测有限公司", "consultancy", "huantai"),
    # enterprises
    ("淄博齐岳石化有限公司", "enterprise", "linzi"),
    ("淄博鑫澜精细化工有限公司", "enterprise", "huantai"),
    ("淄博华瓷陶瓷有限公司", "enterprise", "zichuan"),
    ("淄博颜峰琉璃制品有限公司", "enterprise", "boshan"),
    ("淄博沂康药业有限公司", "enterprise", "yiyuan"),
    ("淄博博锐泵业有限公司", "enterprise", "boshan"),
    ("淄博昊宇新材料科技有限公司", "enterprise", "hightech"),
    ("淄博周锦丝绸有限公司", "enterprise", "zhoucun"),
    ("淄博青丰食品有限公司", "enterprise", "gaoqing"),
    ("淄博岭峰耐火材料有限公司", "enterprise", "boshan"),
    ("淄博凯驰汽车零部件有限公司", "enterprise", "jingkai"),
    # hospitals
    ("淄博仁和医院", "hospital", "zhangdian"),
    ("淄博康宁职业病防治医院", "hospital", "zichuan"),
    ("临淄济民医院", "hospital", "linzi"),
    # law firms
    ("山东齐衡律师事务所", "law_firm", "zhangdian"),
    ("山东鲁正律师事务所", "law_firm", "zhangdian"),
    ("山东明理律师事务所", "law_firm", "zhoucun"),
    # public service units
    ("淄博市生态环境技术服务中心", "government_affiliated", "zhangdian"),
    ("淄博市水利工程建设服务中心", "government_affiliated", "zhangdian"),
    ("淄博市气象灾害防御技术中心", "government_affiliated", "zhangdian"),
    ("淄博市文物考古研究中心", "government_affiliated", "linzi"),
    ("淄博市建设工程质量安全服务中心", "government_affiliated", "zhangdian"),
)

#: Professional titles and registrations (职称、执业资格) of experts, most senior first.
EXPERT_TITLES: tuple[str, ...] = (
    "正高级工程师",
    "教授",
    "研究员",
    "主任医师",
    "高级工程师",
    "副教授",
    "副研究员",
    "副主任医师",
    "高级经济师",
    "高级会计师",
    "一级律师",
    "二级律师",
    "注册安全工程师",
    "环境影响评价工程师",
    "一级注册结构工程师",
    "注册土木工程师（岩土）",
    "一级注册建筑师",
    "一级注册消防工程师",
    "注册化工工程师",
    "注册城乡规划师",
    "注册测绘师",
    "注册咨询工程师（投资）",
    "一级建造师",
    "注册会计师",
)

#: Posts of department staff (职务、职级), most senior first.
STAFF_TITLES: tuple[str, ...] = (
    "科长",
    "副科长",
    "一级主任科员",
    "二级主任科员",
    "三级主任科员",
    "四级主任科员",
    "一级科员",
    "二级科员",
    "科员",
    "股长",
    "办事员",
)

# ---------------------------------------------------------------------------------------------
# Enterprises (企业) and projects (项目)
# ---------------------------------------------------------------------------------------------

#: Invented two-character brand names (字号); prominent real Zibo brands are left out.
ENTERPRISE_PREFIXES: tuple[str, ...] = (
    "齐盛", "华岳", "鲁恒", "瑞淄", "博昱", "泰嘉", "金澜", "鑫岳", "昊川", "景泓",
    "晟齐", "润淄", "鸿升", "汇淄", "宏岳", "正嘉", "天衡", "科润", "瀚洋", "中澜",
    "同晖", "永泽", "恒旭", "东晟", "凯淄", "德润", "嘉岳", "丰源", "华晟", "鲁昊",
    "齐信", "锦川", "聚泰", "安澜", "睿岭", "长淄", "弘毅", "明湖", "海岱", "稷丰",
    "临岳", "颜峰", "孝川", "梓桐", "青淄", "沣源", "萌川", "云峤", "峻泽", "远衡",
    "兆丰", "晨岳", "润德", "国锐", "亿祥", "中淄", "九川", "北辰", "启淄", "荣泰",
)  # fmt: skip

#: How an enterprise name is built from a brand name and an industry suffix.
ENTERPRISE_NAME_PATTERN: str = "淄博{prefix}{suffix}"

#: (code, Chinese name) of industries relevant to Zibo.
INDUSTRIES: tuple[tuple[str, str], ...] = (
    ("new_materials", "新材料"),
    ("fine_chemicals", "精细化工"),
    ("pharma", "医药"),
    ("ceramics", "陶瓷琉璃"),
    ("equipment", "高端装备"),
    ("electronics", "电子信息"),
    ("nev_parts", "新能源汽车零部件"),
    ("petrochemical", "石油化工"),
    ("textiles", "纺织服装"),
    ("food", "食品加工"),
    ("new_energy", "新能源"),
    ("building_materials", "新型建材"),
    ("refractories", "耐火材料"),
    ("logistics", "现代物流"),
    ("digital", "数字经济"),
    ("tourism", "文化旅游"),
)

#: Industries whose projects are facilities rather than production capacity; they use the
#: "service" project patterns and their ``PRODUCTS`` units measure size, not annual output.
SERVICE_INDUSTRIES: frozenset[str] = frozenset({"logistics", "digital", "tourism"})

#: (industry code, company-type suffixes appended to a brand name).
ENTERPRISE_SUFFIXES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("new_materials", ("新材料科技有限公司", "新材料股份有限公司", "材料科技有限公司")),
    ("fine_chemicals", ("化工有限公司", "化工科技有限公司", "精细化工股份有限公司")),
    ("pharma", ("制药有限公司", "制药股份有限公司", "药业有限公司", "生物医药科技有限公司")),
    ("ceramics", ("陶瓷有限公司", "陶瓷科技有限公司", "琉璃艺术品有限公司")),
    ("equipment", ("机械有限公司", "装备制造有限公司", "智能装备股份有限公司", "泵业有限公司")),
    ("electronics", ("电子科技有限公司", "微电子有限公司", "光电科技有限公司")),
    ("nev_parts", ("汽车零部件有限公司", "汽车部件股份有限公司", "精密制造有限公司")),
    ("petrochemical", ("石化有限公司", "石油化工有限公司", "能源化工有限公司")),
    ("textiles", ("纺织有限公司", "丝绸有限公司", "纺织科技股份有限公司")),
    ("food", ("食品有限公司", "食品科技有限公司", "农业发展有限公司")),
    ("new_energy", ("新能源科技有限公司", "能源科技有限公司", "储能科技有限公司")),
    ("building_materials", ("建材有限公司", "新型建材科技有限公司", "建筑科技有限公司")),
    ("refractories", ("耐火材料有限公司", "耐材科技有限公司", "高温材料有限公司")),
    ("logistics", ("物流有限公司", "供应链管理有限公司", "国际物流有限公司")),
    ("digital", ("数字科技有限公司", "信息科技有限公司", "网络科技有限公司")),
    ("tourism", ("文化旅游发展有限公司", "旅游开发有限公司", "文化产业有限公司")),
)

#: (industry code, products as (name, unit, low n, high n)). For manufacturing industries the
#: unit measures annual output ("年产{n}{unit}"); for ``SERVICE_INDUSTRIES`` it measures size.
PRODUCTS: tuple[tuple[str, tuple[tuple[str, str, int, int], ...]], ...] = (
    (
        "new_materials",
        (
            ("高性能有机硅材料", "万吨", 1, 20),
            ("含氟功能材料", "万吨", 1, 10),
            ("碳纤维复合材料", "吨", 500, 5000),
            ("高纯氧化铝粉体", "吨", 1000, 20000),
            ("聚氨酯弹性体", "万吨", 1, 10),
            ("石墨烯导热膜", "万平方米", 10, 200),
        ),
    ),
    (
        "fine_chemicals",
        (
            ("电子级化学品", "万吨", 1, 10),
            ("医药中间体", "吨", 200, 5000),
            ("水性工业涂料", "万吨", 1, 10),
            ("特种表面活性剂", "万吨", 1, 8),
            ("聚醚多元醇", "万吨", 5, 30),
            ("高端催化剂", "吨", 500, 5000),
        ),
    ),
    (
        "pharma",
        (
            ("原料药", "吨", 50, 2000),
            ("口服固体制剂", "亿片", 1, 30),
            ("小容量注射剂", "万支", 1000, 20000),
            ("中药饮片", "吨", 500, 5000),
            ("医用敷料", "万片", 1000, 10000),
            ("生物发酵制品", "吨", 200, 3000),
        ),
    ),
    (
        "ceramics",
        (
            ("高档日用陶瓷", "万件", 100, 3000),
            ("建筑陶瓷薄板", "万平方米", 100, 2000),
            ("特种陶瓷结构件", "万件", 10, 500),
            ("陶瓷膜过滤元件", "万支", 5, 100),
            ("琉璃工艺品", "万件", 10, 100),
            ("卫生陶瓷", "万件", 20, 200),
        ),
    ),
    (
        "equipment",
        (
            ("智能泵阀", "万台", 1, 20),
            ("矿山机械", "台套", 100, 2000),
            ("风电装备关键零部件", "套", 200, 3000),
            ("工业机器人", "台", 500, 5000),
            ("高档数控机床", "台", 100, 2000),
            ("高效节能电机", "万千瓦", 50, 500),
        ),
    ),
    (
        "electronics",
        (
            ("功率半导体器件", "万只", 1000, 50000),
            ("片式电子元件", "亿只", 1, 50),
            ("光电显示模组", "万片", 100, 2000),
            ("智能传感器", "万只", 100, 5000),
            ("高密度印制电路板", "万平方米", 10, 200),
        ),
    ),
    (
        "nev_parts",
        (
            ("新能源汽车电机壳体", "万件", 10, 200),
            ("轻量化铝合金轮毂", "万只", 50, 500),
            ("高压线束", "万套", 10, 300),
            ("制动系统总成", "万套", 10, 200),
            ("电驱动总成", "万套", 5, 50),
        ),
    ),
    (
        "petrochemical",
        (
            ("聚丙烯", "万吨", 10, 50),
            ("环氧丙烷", "万吨", 10, 40),
            ("高端润滑油", "万吨", 5, 30),
            ("异戊二烯", "万吨", 2, 10),
            ("针状焦", "万吨", 5, 20),
            ("丙烯腈", "万吨", 10, 30),
        ),
    ),
    (
        "textiles",
        (
            ("功能性面料", "万米", 500, 5000),
            ("高档丝绸", "万米", 100, 1000),
            ("产业用纺织品", "万吨", 1, 5),
            ("医卫用无纺布", "吨", 5000, 30000),
            ("家纺制品", "万套", 10, 200),
        ),
    ),
    (
        "food",
        (
            ("预制菜", "万吨", 1, 10),
            ("冷冻调理食品", "万吨", 1, 5),
            ("果蔬汁饮料", "万吨", 2, 20),
            ("烘焙食品", "吨", 5000, 30000),
            ("复合调味品", "万吨", 1, 10),
            ("牛肉精深加工制品", "吨", 1000, 10000),
        ),
    ),
    (
        "new_energy",
        (
            ("锂离子动力电池", "GWh", 1, 10),
            ("高效光伏组件", "兆瓦", 200, 2000),
            ("氢燃料电池电堆", "套", 500, 5000),
            ("储能系统", "兆瓦时", 100, 2000),
            ("锂电池正极材料", "万吨", 1, 10),
        ),
    ),
    (
        "building_materials",
        (
            ("装配式建筑构件", "万立方米", 5, 30),
            ("新型墙体材料", "万立方米", 10, 60),
            ("低辐射节能玻璃", "万平方米", 50, 500),
            ("岩棉保温板", "万吨", 2, 10),
        ),
    ),
    (
        "refractories",
        (
            ("高档耐火材料", "万吨", 1, 10),
            ("不定形耐火材料", "万吨", 2, 15),
            ("陶瓷纤维制品", "万吨", 1, 5),
            ("电熔莫来石", "万吨", 1, 5),
        ),
    ),
    (
        "logistics",
        (
            ("冷链物流中心", "万平方米", 1, 10),
            ("智慧物流园", "万平方米", 5, 50),
            ("公铁联运枢纽", "万平方米", 10, 60),
            ("仓储配送中心", "万平方米", 2, 20),
        ),
    ),
    (
        "digital",
        (
            ("大数据中心", "个标准机柜", 500, 5000),
            ("软件和信息服务产业园", "万平方米", 2, 20),
            ("数字经济孵化基地", "万平方米", 1, 10),
            ("工业互联网创新中心", "万平方米", 1, 5),
        ),
    ),
    (
        "tourism",
        (
            ("文化旅游综合体", "万平方米", 2, 30),
            ("齐文化主题街区", "万平方米", 2, 15),
            ("陶瓷琉璃文化创意园", "万平方米", 1, 10),
            ("乡村旅游度假区", "万平方米", 5, 50),
            ("康养旅游基地", "万平方米", 2, 20),
        ),
    ),
)

#: (sector, pattern) of project names; sector is "manufacturing", "service" or "any".
#: Placeholders: ``{n}``, ``{unit}``, ``{product}`` (see the module docstring).
PROJECT_PATTERNS: tuple[tuple[str, str], ...] = (
    ("manufacturing", "年产{n}{unit}{product}项目"),
    ("manufacturing", "年产{n}{unit}{product}扩建项目"),
    ("manufacturing", "年产{n}{unit}{product}技术改造项目"),
    ("manufacturing", "年产{n}{unit}{product}及配套设施项目"),
    ("manufacturing", "年产{n}{unit}{product}（二期）项目"),
    ("manufacturing", "新建年产{n}{unit}{product}生产线项目"),
    ("manufacturing", "{product}生产线技术改造项目"),
    ("manufacturing", "{product}智能制造产业园（一期）项目"),
    ("manufacturing", "{product}智能化改造项目"),
    ("manufacturing", "{product}数字化车间建设项目"),
    ("manufacturing", "{product}智能工厂建设项目"),
    ("manufacturing", "{product}产能置换升级项目"),
    ("manufacturing", "{product}绿色低碳改造项目"),
    ("manufacturing", "{product}节能降耗技术改造项目"),
    ("manufacturing", "{product}生产装置安全提升改造项目"),
    ("manufacturing", "{product}搬迁入园项目"),
    ("manufacturing", "{product}产业化项目"),
    ("manufacturing", "{product}关键技术攻关及产业化项目"),
    ("manufacturing", "{product}中试基地项目"),
    ("manufacturing", "{product}产业链延链补链项目"),
    ("manufacturing", "{product}研发中心建设项目"),
    ("manufacturing", "{product}产业园基础设施配套项目"),
    ("service", "{product}建设项目"),
    ("service", "{product}（一期）项目"),
    ("service", "建设规模{n}{unit}{product}项目"),
    ("service", "{product}提升改造项目"),
    ("service", "{product}及配套设施建设项目"),
    ("service", "{product}数字化升级项目"),
    ("any", "{product}项目"),
    ("any", "{product}扩能改造项目"),
)

__all__ = [
    "CITY_HALL",
    "CITY_HALL_DISTRICT",
    "DEPARTMENTS",
    "DISTRICTS",
    "DISTRICT_ADJACENCY",
    "DISTRICT_HALLS",
    "DISTRICT_STREETS",
    "ENTERPRISE_NAME_PATTERN",
    "ENTERPRISE_PREFIXES",
    "ENTERPRISE_SUFFIXES",
    "EXPERT_EMPLOYERS",
    "EXPERT_TITLES",
    "GIVEN_CHARS",
    "INDUSTRIES",
    "PENDING_ITEMS",
    "PRODUCTS",
    "PROJECT_PATTERNS",
    "SERVICE_INDUSTRIES",
    "SPECIALTIES",
    "SPECIALTY_CLUSTERS",
    "STAFF_TITLES",
    "SURNAMES",
]
