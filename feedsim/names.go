package feedsim

import "github.com/cilegon/jamsostek/coverage"

// Names common in Banten, combined at random: the people are simulated.
var (
	maleNames = []string{"Ahmad", "Agus", "Budi", "Dedi", "Eko", "Fajar", "Hendra", "Iwan", "Joko", "Kurnia",
		"Lukman", "Mulyadi", "Nana", "Oman", "Pandi", "Rahmat", "Saepul", "Tatang", "Ujang", "Wawan",
		"Yadi", "Zaenal", "Asep", "Dadang", "Endang", "Haerul", "Jaja", "Komarudin", "Maman", "Nurdin",
		"Ade", "Arif", "Bambang", "Cecep", "Deni", "Edi", "Firman", "Gilang", "Hasan", "Imam",
		"Jamal", "Rizki", "Sukri", "Taufik", "Usman", "Yusuf", "Aceng", "Dimas", "Rudi", "Samsudin"}
	femaleNames = []string{"Ani", "Siti", "Dewi", "Euis", "Fitri", "Heni", "Imas", "Juju", "Kokom", "Lilis",
		"Nengsih", "Nur", "Oom", "Popon", "Rina", "Sri", "Tuti", "Umi", "Wati", "Yanti",
		"Aisyah", "Dede", "Eneng", "Hasanah", "Ika", "Marsinah", "Neneng", "Rohayati", "Sumiati", "Yuyun",
		"Ayu", "Desi", "Erna", "Fatimah", "Intan", "Lia", "Maya", "Nia", "Ratna", "Wulan"}
	// Second given names, used for some people.
	middleNames = []string{"Nur", "Sri", "Dwi", "Tri", "Abdul", "Muhamad", "Siti", "Ayu", "Putri", "Adi"}
	familyNames = []string{"Hidayat", "Suryana", "Permana", "Saputra", "Rohman", "Syarif", "Maulana", "Hermawan",
		"Setiawan", "Kurniawan", "Sulaeman", "Gunawan", "Firmansyah", "Nurhasan", "Jamaludin", "Hakim",
		"Sudrajat", "Mulyana", "Ramdani", "Wahyudi", "Supriatna", "Fauzi", "Iskandar", "Kusnadi",
		"Hamdani", "Rahayu", "Lestari", "Susanti", "Kartika", "Nurjanah", "Jaelani", "Sopyan", "Mahmud", "Badrudin"}

	puOccupations = []string{"KARYAWAN SWASTA", "OPERATOR PRODUKSI", "TEKNISI", "STAF ADMINISTRASI",
		"BURUH PABRIK", "SATPAM", "PENGEMUDI", "PERAWAT", "OPERATOR CRANE", "WELDER", "STAF GUDANG", "KASIR"}
	bpuOccupations = []string{"PEDAGANG", "PETANI", "NELAYAN", "OJEK PANGKALAN", "JURU PARKIR", "BURUH SERABUTAN",
		"PENJAHIT", "MARBOT", "PELAKU UMKM", "SOPIR ANGKOT", "PENGEMUDI OJEK ONLINE", "TUKANG BANGUNAN", "PEMANDI JENAZAH"}
	jakonOccupations = []string{"PEKERJA KONSTRUKSI", "TUKANG BESI", "TUKANG BATU", "MANDOR", "OPERATOR ALAT BERAT"}
	pmiCountries     = []string{"MALAYSIA", "ARAB SAUDI", "TAIWAN", "HONG KONG", "KOREA SELATAN", "JEPANG"}

	// BPU income bands (rupiah a month) and how often each is declared.
	bpuIncomes = []int64{1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000, 1_000_000,
		1_500_000, 2_000_000, 2_000_000, 2_500_000, 3_000_000, 4_000_000, 5_000_000}
)

// categorySpec is a city-funded category: its 2024 head count at scale 1 (the
// figures of docs/domain.md), the agency that vouches for it, who its people are, and
// when the city funds them.
type categorySpec struct {
	category    coverage.Category
	count       int
	agency      string
	occupations []string
	minAge      int
	maxAge      int
	femalePct   int
	adhoc       bool // election ad-hoc staff: funded 2024-01 to 2024-06 only
	upperName   bool // the agency writes names in capitals
	medicalRate float64
}

var categories = []categorySpec{
	{coverage.CategoryRTRW, 1528, "Bagian Tata Pemerintahan Setda", []string{"KETUA RT", "KETUA RT", "KETUA RT", "KETUA RW"}, 30, 65, 12, false, false, 0.012},
	{coverage.CategoryKader, 2650, "Dinas Kesehatan", []string{"KADER POSYANDU", "KADER KESEHATAN"}, 22, 62, 92, false, false, 0.008},
	{coverage.CategoryAdhocKPU, 11658, "KPU Kota Cilegon", []string{"ANGGOTA KPPS", "ANGGOTA KPPS", "ANGGOTA KPPS", "ANGGOTA PPS", "ANGGOTA PPK"}, 18, 55, 40, true, true, 0.02},
	{coverage.CategoryAdhocBawaslu, 1363, "Bawaslu Kota Cilegon", []string{"PENGAWAS TPS", "PENGAWAS TPS", "PANWASLU KELURAHAN", "PANWASLU KECAMATAN"}, 21, 55, 35, true, true, 0.02},
	{coverage.CategoryNelayan, 332, "Dinas Ketahanan Pangan dan Pertanian", []string{"NELAYAN"}, 20, 62, 2, false, false, 0.04},
	{coverage.CategoryKebersihanDLH, 61, "Dinas Lingkungan Hidup", []string{"PETUGAS KEBERSIHAN", "PENYAPU JALAN"}, 20, 56, 30, false, false, 0.03},
	{coverage.CategoryLinmas, 1593, "Satpol PP", []string{"ANGGOTA LINMAS"}, 20, 60, 8, false, false, 0.015},
}

// Kecamatan of other Banten cities and regencies whose NIKs appear among
// Cilegon's residents: Kabupaten Serang, Pandeglang, Lebak, Kota Serang.
var otherKecamatan = []string{"360401", "360402", "360405", "360421", "360101", "360202", "367301", "367302", "367304"}

// Kelurahan (desa) codes of other cities, for domiciles outside Cilegon.
var outsideKelurahan = []string{"3604052003", "3673011004", "3604212006", "3604012001", "3673041002"}
